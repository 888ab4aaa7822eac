// The bot's JobQueue port (src/service/ports.ts) on BullMQ (src/queue): flow jobs become queue
// payloads, queue results (artifact keys) become file paths, QueueEvents become JobEvents.
// Idempotent by job id: the flow and the queue use the contract's job ids (src/core/contract.ts),
// so re-enqueueing after a restart finds the same BullMQ job and reports its state.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { JOB_KINDS, quotaKeyOf, type JobKind } from '../../core/contract.js';
import type { FlowJob } from '../../core/flow/types.js';
import type { ArtifactStore } from '../../artifacts/index.js';
import type { JobEvents } from '../../queue/events.js';
import type { JobProducer } from '../../queue/producer.js';
import type { JobResult as QueueResult } from '../../queue/payloads.js';
import type {
  JobEvent,
  JobQueue,
  JobResult,
  JobTicket,
  QueuedJob,
  QueueOverview,
} from '../../service/ports.js';

/** Stages the worker reports around the engine's own (they have no useful step count). */
const BOOKKEEPING_STAGES = new Set(['starting', 'saving', 'encode']);
/** Waiting and running jobs `overview` lists per queue (`/info` looks for a user's among them). */
const LISTED_JOBS = 200;
/** Finished jobs per queue whose run times the ETA averages. */
const RECENT_JOBS = 20;

export class BullmqJobQueue implements JobQueue {
  private readonly listeners = new Set<(event: JobEvent) => void>();

  constructor(
    private readonly producer: JobProducer,
    private readonly events: JobEvents,
    private readonly artifacts: ArtifactStore,
  ) {
    events.on('progress', ({ jobId, progress }) => {
      if (BOOKKEEPING_STAGES.has(progress.stage)) return;
      this.emit({ type: 'progress', jobId, step: progress.step, total: progress.total });
    });
    events.on('completed', ({ jobId, result }) => {
      // An object store's files are fetched first; one that cannot be read fails the job.
      this.toFlowResult(result).then(
        (files) => this.emit({ type: 'completed', jobId, result: files }),
        (error: Error) =>
          this.emit({
            type: 'failed',
            jobId,
            reason: `its files could not be read from the artifact store (${error.message})`,
          }),
      );
    });
    events.on('failed', ({ jobId, reason }) => {
      this.emit({ type: 'failed', jobId, reason });
    });
  }

  async enqueue(job: FlowJob): Promise<JobTicket> {
    // The generation's own reservation goes with every job, so a worker refunds it when the
    // job finally fails even while the bot is down (the flow refunds too; both are idempotent).
    const quota = { key: quotaKeyOf(job.generationId), commitOnSuccess: false };
    let enqueued;
    if (job.kind === 'candidates') {
      const { jobId: _id, kind: _kind, init, continueFrom, ...payload } = job;
      // Variations name the candidate they vary by its artifact key, as an animation does;
      // continuations name the story's MP4 so (an earlier video or continuation).
      const variations = init && {
        init: {
          imageKey: await this.imageKey(job.generationId, init.imagePath),
          strength: init.strength,
        },
      };
      const continuations = continueFrom && {
        continueFrom: {
          videoKey: await this.artifactKey(
            continueFrom.videoPath,
            `generations/${job.generationId}/round-${job.round}/story.mp4`,
          ),
          ...(continueFrom.contextFrames === undefined
            ? {}
            : { contextFrames: continueFrom.contextFrames }),
        },
      };
      enqueued = await this.producer.enqueueCandidates({
        ...payload,
        ...variations,
        ...continuations,
        quota,
      });
    } else {
      const { jobId: _id, kind: _kind, imagePath, ...payload } = job;
      const imageKey = await this.imageKey(job.generationId, imagePath);
      enqueued = await this.producer.enqueueAnimation({ ...payload, imageKey, quota });
    }
    return this.ticket(enqueued.kind, enqueued.jobId);
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async overview(): Promise<QueueOverview> {
    const counts = await Promise.all(
      JOB_KINDS.map((kind) => this.producer.queues[kind].getJobCounts('wait', 'active', 'failed')),
    );
    const sum = (state: string) => counts.reduce((total, count) => total + (count[state] ?? 0), 0);
    const jobs: QueuedJob[] = [];
    const durations: number[] = [];
    for (const kind of JOB_KINDS) {
      const queue = this.producer.queues[kind];
      const [active, waiting, done] = await Promise.all([
        queue.getJobs(['active'], 0, LISTED_JOBS - 1, true),
        queue.getJobs(['wait', 'prioritized'], 0, LISTED_JOBS - 1, true),
        queue.getJobs(['completed'], 0, RECENT_JOBS - 1, false),
      ]);
      const generationOf = (job: { data: unknown }) =>
        String((job.data as { generationId?: unknown } | undefined)?.generationId ?? '');
      for (const job of active) {
        if (job?.id) jobs.push({ jobId: job.id, generationId: generationOf(job), state: 'active' });
      }
      waiting.forEach((job, index) => {
        if (job?.id) {
          jobs.push({
            jobId: job.id,
            generationId: generationOf(job),
            state: 'waiting',
            position: index + 1,
          });
        }
      });
      for (const job of done) {
        if (job?.finishedOn && job.processedOn) durations.push(job.finishedOn - job.processedOn);
      }
    }
    return {
      waiting: sum('wait'),
      active: sum('active'),
      failed: sum('failed'),
      jobs,
      ...(durations.length > 0
        ? { recentJobMs: durations.reduce((total, ms) => total + ms, 0) / durations.length }
        : {}),
    };
  }

  private async ticket(kind: JobKind, jobId: string): Promise<JobTicket> {
    const where = await this.producer.position(kind, jobId);
    switch (where.state) {
      case 'waiting':
      case 'prioritized':
      case 'waiting-children':
        return { state: 'waiting', position: where.position ?? 1 };
      case 'completed': {
        const job = await this.producer.queues[kind].getJob(jobId);
        if (job?.returnvalue) {
          const result = await this.toFlowResult(job.returnvalue as QueueResult);
          return { state: 'completed', result };
        }
        return { state: 'active' }; // the completed event carries the result
      }
      case 'failed': {
        const job = await this.producer.queues[kind].getJob(jobId);
        return { state: 'failed', reason: job?.failedReason ?? 'the job failed' };
      }
      default:
        // active, or delayed before a retry: the outcome arrives as an event
        return { state: 'active' };
    }
  }

  /** The first frame as an artifact key: a candidate already is one (its local copy maps back
   * to its key); an upload is copied in. */
  private imageKey(generationId: string, imagePath: string): Promise<string> {
    const extension = path.extname(imagePath).replace(/[^A-Za-z0-9.]/g, '') || '.png';
    return this.artifactKey(imagePath, `generations/${generationId}/first-frame${extension}`);
  }

  /** A local file as an artifact key: a file under localRoot is its own key (put there if the
   * store is remote and lacks it); any other is copied in under `elsewhere`. */
  async canRead(localPath: string): Promise<boolean> {
    const relative = path.relative(this.artifacts.localRoot, localPath);
    const inStore = !relative.startsWith('..') && !path.isAbsolute(relative);
    if (inStore && (await this.artifacts.exists(relative.split(path.sep).join('/')))) return true;
    return access(localPath).then(
      () => true,
      () => false,
    );
  }

  private async artifactKey(localPath: string, elsewhere: string): Promise<string> {
    const relative = path.relative(this.artifacts.localRoot, localPath);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
      const key = relative.split(path.sep).join('/');
      // A chat upload lands under localRoot too, but only locally when the store is remote.
      if (!(await this.artifacts.exists(key)))
        await this.artifacts.put(key, await readFile(localPath));
      return key;
    }
    await this.artifacts.put(elsewhere, await readFile(localPath));
    return elsewhere;
  }

  /** The flow posts files: each artifact as a local copy (the file itself in the folder store). */
  private async toFlowResult(result: QueueResult): Promise<JobResult> {
    const file = (key: string) => this.artifacts.localCopy(key);
    if (result.kind === 'candidates') {
      const [grid, ...images] = await Promise.all(
        [result.gridKey, ...result.candidateKeys].map(file),
      );
      if (!result.videos) return { kind: 'candidates', images, grid: grid! };
      const videos = await Promise.all(
        result.videos.map(async ({ mp4Key, gifKey }) => {
          const [mp4, gif] = await Promise.all([file(mp4Key), file(gifKey)]);
          return { mp4: mp4!, gif: gif! };
        }),
      );
      return { kind: 'candidates', images, grid: grid!, videos };
    }
    const [mp4, gif] = await Promise.all([file(result.mp4Key), file(result.gifKey)]);
    return { kind: 'animation', mp4: mp4!, gif: gif! };
  }

  private emit(event: JobEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
