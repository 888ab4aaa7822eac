// The bot's JobQueue port (src/app/ports.ts) on BullMQ (src/queue): flow jobs become queue
// payloads, queue results (artifact keys) become file paths, QueueEvents become JobEvents.
// Idempotent by job id: the queue's ids derive from the generation and round just as the
// flow's do, so re-enqueueing after a restart finds the same BullMQ job and reports its state.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  animationJobId as flowAnimationJobId,
  candidatesJobId as flowCandidatesJobId,
  quotaKeyOf,
} from '../../core/flow/jobs.js';
import type { FlowJob } from '../../core/flow/types.js';
import type { LocalFolderArtifactStore } from '../../artifacts/index.js';
import { JOB_KINDS, type JobKind } from '../../queue/job-ids.js';
import type { JobEvents } from '../../queue/events.js';
import type { JobProducer } from '../../queue/producer.js';
import type { JobResult as QueueResult } from '../../queue/payloads.js';
import type { JobEvent, JobQueue, JobResult, JobTicket, QueueOverview } from '../ports.js';

/** Stages the worker reports around the engine's own (they have no useful step count). */
const BOOKKEEPING_STAGES = new Set(['starting', 'saving', 'encode']);

export class BullmqJobQueue implements JobQueue {
  private readonly listeners = new Set<(event: JobEvent) => void>();

  constructor(
    private readonly producer: JobProducer,
    private readonly events: JobEvents,
    private readonly artifacts: LocalFolderArtifactStore,
  ) {
    events.on('progress', ({ jobId, progress }) => {
      if (BOOKKEEPING_STAGES.has(progress.stage)) return;
      const flowId = toFlowJobId(jobId);
      if (flowId) this.emit({ type: 'progress', jobId: flowId, ...pick(progress) });
    });
    events.on('completed', ({ jobId, result }) => {
      const flowId = toFlowJobId(jobId);
      if (flowId)
        this.emit({ type: 'completed', jobId: flowId, result: this.toFlowResult(result) });
    });
    events.on('failed', ({ jobId, reason }) => {
      const flowId = toFlowJobId(jobId);
      if (flowId) this.emit({ type: 'failed', jobId: flowId, reason });
    });
  }

  async enqueue(job: FlowJob): Promise<JobTicket> {
    // The generation's own reservation goes with every job, so a worker refunds it when the
    // job finally fails even while the bot is down (the flow refunds too; both are idempotent).
    const quota = { key: quotaKeyOf(job.generationId), commitOnSuccess: false };
    const sampling = {
      generationId: job.generationId,
      prompt: job.prompt,
      ...(job.negativePrompt ? { negativePrompt: job.negativePrompt } : {}),
      steps: job.steps,
      guidanceScale: job.guidance,
      scheduler: job.scheduler,
      quota,
    };
    const enqueued =
      job.kind === 'candidates'
        ? await this.producer.enqueueCandidates({
            ...sampling,
            round: job.round,
            seed: job.seeds[0],
          })
        : await this.producer.enqueueAnimation({
            ...sampling,
            imageKey: await this.imageKey(job.generationId, job.imagePath),
            seed: job.seed,
          });
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
    return { waiting: sum('wait'), active: sum('active'), failed: sum('failed') };
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
          return { state: 'completed', result: this.toFlowResult(job.returnvalue as QueueResult) };
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

  /** The first frame as an artifact key: a candidate already is one; an upload is copied in. */
  private async imageKey(generationId: string, imagePath: string): Promise<string> {
    const relative = path.relative(this.artifacts.root, imagePath);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
      return relative.split(path.sep).join('/');
    }
    const extension = path.extname(imagePath).replace(/[^A-Za-z0-9.]/g, '') || '.png';
    const key = `generations/${generationId}/first-frame${extension}`;
    await this.artifacts.put(key, await readFile(imagePath));
    return key;
  }

  private toFlowResult(result: QueueResult): JobResult {
    const file = (key: string) => this.artifacts.pathOf(key);
    return result.kind === 'candidates'
      ? { kind: 'candidates', images: result.candidateKeys.map(file), grid: file(result.gridKey) }
      : { kind: 'animation', mp4: file(result.mp4Key), gif: file(result.gifKey) };
  }

  private emit(event: JobEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function pick(progress: { step: number; total: number }) {
  return { step: progress.step, total: progress.total };
}

/** The flow's id of a queue job (both derive from the generation id and round). */
export function toFlowJobId(queueJobId: string): string | undefined {
  const candidates = /^candidates-(.+)-r(\d+)$/.exec(queueJobId);
  if (candidates) return flowCandidatesJobId(candidates[1]!, Number(candidates[2]));
  const animation = /^animation-(.+)$/.exec(queueJobId);
  if (animation) return flowAnimationJobId(animation[1]!);
  return undefined;
}
