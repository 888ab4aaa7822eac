// A queue worker: one BullMQ Worker per kind of job, all sharing one engine. Run it as
// its own process (`npm run worker`) on as many machines as you like, sharing Redis and the
// database. `close()` is the SIGTERM path: stop taking jobs, let the active ones finish within
// the grace period, then hand what is still running back to the queue.
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { ArtifactStore } from '../artifacts/index.js';
import { createLogger, type Logger } from '../log.js';
import type { GenerationEngine } from './engine-port.js';
import { STALLED_LIMIT_REASON, stalledReason } from './failure.js';
import { JOB_KINDS, type JobKind } from '../core/contract.js';
import { DEFAULT_QUEUE_NAMES, type QueueNames } from './queue-names.js';
import type { JobStore } from './job-store.js';
import { type FailureOutcome, recordDuration, recordFailure } from './metrics.js';
import { createProcessor } from './processor.js';

/** Redis as BullMQ and ioredis both take it. */
export interface RedisConnection {
  url: string;
}

export interface StartWorkerOptions {
  connection: RedisConnection;
  /** BullMQ key prefix (QUEUE_PREFIX). */
  prefix: string;
  queueNames?: Partial<QueueNames>;
  /** Which kinds this worker serves; default both. */
  kinds?: JobKind[];
  /** Jobs run at once per kind. */
  concurrency?: number;
  /** Shared by both kinds of job; the worker closes it on `close()`. */
  engine: GenerationEngine;
  store: JobStore;
  artifacts: ArtifactStore;
  log?: Logger;
  /** How long a job lock lasts without renewal (renewed every half of it). Default 30 s. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died. Default 30 s. */
  stalledIntervalMs?: number;
  /** Stalls before a job fails for good. Default 2. */
  maxStalledCount?: number;
  progressIntervalMs?: number;
  /** On close, how long active jobs may run before they are handed back. Default 30 s. */
  shutdownGraceMs?: number;
}

export interface WorkerHandle {
  /** Stops taking jobs; finishes or hands back the active ones; releases everything. */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Resolves once every BullMQ worker is connected and waiting for jobs. */
  ready(): Promise<void>;
}

export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const log = options.log ?? createLogger('info', 'worker');
  const names = { ...DEFAULT_QUEUE_NAMES, ...options.queueNames };
  const kinds = options.kinds ?? [...JOB_KINDS];
  const engine = options.engine;
  const redis = new Redis(options.connection.url, { maxRetriesPerRequest: null });
  redis.on('error', (error) => log.debug({ err: error }, 'metrics redis connection'));

  let handingBack = false;
  const workers = kinds.map((kind) => {
    const processor = createProcessor(kind, {
      store: options.store,
      artifacts: options.artifacts,
      engine,
      log: log.child({ queue: names[kind] }),
      handingBack: () => handingBack,
      progressIntervalMs: options.progressIntervalMs ?? 250,
    });
    const worker = new Worker(names[kind], processor, {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 2,
    });
    worker.on('error', (error) => log.warn({ err: error, queue: names[kind] }, 'worker error'));
    worker.on('completed', (job: Job) => {
      const ms = (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now());
      recordDuration(redis, options.prefix, names[kind], ms).catch(() => {});
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (!job) return;
      if (error.message === STALLED_LIMIT_REASON) {
        settleStalledOut(kind, job, options.store).catch((err) =>
          log.warn({ err, jobId: job.id }, 'recording a job that stalled too often'),
        );
      }
      recordFailure(redis, options.prefix, names[kind], failureOutcome(job, error)).catch(() => {});
    });
    return worker;
  });

  return {
    ready: async () => {
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    },
    close: async ({ graceMs } = {}) => {
      const grace = graceMs ?? options.shutdownGraceMs ?? 30_000;
      const closed = Promise.all(workers.map((worker) => worker.close()));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, grace, 'late')));
      if ((await Promise.race([closed, late])) === 'late') {
        handingBack = true;
        log.info({ graceMs: grace }, 'grace period over: handing active jobs back');
        for (const worker of workers) worker.cancelAllJobs('worker shutting down');
      }
      await closed;
      clearTimeout(timer);
      await engine.close();
      redis.disconnect();
    },
  };
}

function failureOutcome(job: Job, error: Error): FailureOutcome {
  if (error.message === STALLED_LIMIT_REASON) return 'stalled';
  if (error.name === 'UnrecoverableError') return 'input';
  return job.attemptsMade >= (job.opts.attempts ?? 1) ? 'exhausted' : 'retried';
}

/**
 * A job that stalled too often (its workers kept dying) is failed by BullMQ without running
 * our processor, so tell the user and refund here. Idempotent like every store write.
 */
async function settleStalledOut(kind: JobKind, job: Job, store: JobStore) {
  const data = job.data as { generationId?: string; round?: number; quota?: { key?: string } };
  if (typeof data.generationId !== 'string') return;
  const ref = { jobId: job.id!, kind, generationId: data.generationId, round: data.round };
  await store.markFailed(ref, stalledReason(kind));
  if (data.quota?.key) await store.refundQuota(data.quota.key);
}
