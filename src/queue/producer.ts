// The producer side, used by the bots: validates a payload, adds it under the job id derived
// from its generation (a second add of the same job is ignored by BullMQ), and tells where a
// waiting job stands in line.
import { type JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import {
  animationJobId,
  candidatesJobId,
  JOB_KINDS,
  type JobKind,
  type RequestLimits,
} from '../core/contract.js';
import { DEFAULT_QUEUE_NAMES, type QueueNames } from './queue-names.js';
import { renderMetrics } from './metrics.js';
import {
  type AnimationPayload,
  type CandidatesPayload,
  parsePayload,
  payloadSchemasFor,
  type PayloadSchemas,
} from './payloads.js';
import type { RedisConnection } from './queue-worker.js';

/** How long closing waits for a queue's connection to say goodbye before dropping it. */
const CLOSE_WAIT_MS = 5_000;

export interface ProducerOptions {
  connection: RedisConnection;
  prefix: string;
  queueNames?: Partial<QueueNames>;
  /** Attempts per job, the first one included. Default 3. */
  attempts?: number;
  /** First retry delay; doubles with each further retry. Default 2 s. */
  backoffMs?: number;
  /** The running model's request limits, so a job it would refuse never reaches Redis. */
  limits?: RequestLimits;
  /**
   * How long an enqueue waits for Redis before it gives up with `QueueUnavailableError`.
   * Default 3 s. A job given up on is never added later: enqueues are not kept for a
   * reconnection (the queues' connections have ioredis' offline queue off).
   */
  enqueueTimeoutMs?: number;
  log?: Logger;
}

/** Redis did not take the job (down, unreachable, or too slow): nothing was added. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

const DEFAULT_ENQUEUE_TIMEOUT_MS = 3000;

export interface Enqueued {
  jobId: string;
  kind: JobKind;
}

export interface QueuePosition {
  state: 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'unknown' | string;
  /** For a waiting job: 1 = the next job to start. */
  position?: number;
}

export class JobProducer {
  readonly queues: Record<JobKind, Queue>;
  private readonly redis: Redis;
  private readonly jobOptions: JobsOptions;
  private readonly schemas: PayloadSchemas;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ProducerOptions) {
    const names = { ...DEFAULT_QUEUE_NAMES, ...options.queueNames };
    this.schemas = payloadSchemasFor(options.limits);
    const onError = (error: Error) => options.log?.warn({ err: error }, 'queue connection');
    // Offline queue off: a command while Redis is away fails at once instead of waiting to be
    // sent on reconnection (when the user has long been told that nothing was queued).
    const connection = { ...options.connection, enableOfflineQueue: false };
    const make = (kind: JobKind) =>
      new Queue(names[kind], { connection, prefix: options.prefix }).on('error', onError);
    this.queues = { candidates: make('candidates'), animation: make('animation') };
    this.redis = new Redis(options.connection.url, { maxRetriesPerRequest: null });
    this.redis.on('error', onError); // commands reject while Redis is away; callers see that
    this.jobOptions = {
      attempts: options.attempts ?? 3,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 2000 },
      // Kept for a week so a duplicated command still finds its job (and does not rerun it).
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    };
  }

  async enqueueCandidates(payload: CandidatesPayload): Promise<Enqueued> {
    const valid = parsePayload('candidates', payload, this.schemas);
    const jobId = candidatesJobId(valid.generationId, valid.round);
    await this.add('candidates', valid, jobId);
    return { jobId, kind: 'candidates' };
  }

  async enqueueAnimation(payload: AnimationPayload): Promise<Enqueued> {
    const valid = parsePayload('animation', payload, this.schemas);
    const jobId = animationJobId(valid.generationId);
    await this.add('animation', valid, jobId);
    return { jobId, kind: 'animation' };
  }

  /**
   * Adds the job only over a connection that is up, within `enqueueTimeoutMs`; otherwise
   * throws QueueUnavailableError and nothing is added (then or later).
   */
  private async add(kind: JobKind, data: object, jobId: string): Promise<void> {
    const queue = this.queues[kind];
    const timeoutMs = this.options.enqueueTimeoutMs ?? DEFAULT_ENQUEUE_TIMEOUT_MS;
    const unavailable = (why: string) =>
      new QueueUnavailableError(`the job queue (Redis) is unavailable: ${why}`);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const client = await Promise.race([queue.backend.client, late]);
      if (client.status !== 'ready') throw unavailable(`connection ${client.status}`);
      await Promise.race([queue.add(kind, data, { ...this.jobOptions, jobId }), late]);
    } catch (error) {
      if (error instanceof QueueUnavailableError) throw error;
      // A refused command (offline queue off) or a dropped connection: nothing was added.
      this.options.log?.warn({ err: error, jobId }, 'enqueue failed');
      throw unavailable((error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  async position(kind: JobKind, jobId: string): Promise<QueuePosition> {
    const queue = this.queues[kind];
    const state = await queue.getJobState(jobId);
    if (state !== 'waiting') return { state };
    // New jobs are pushed on the left and workers take from the right.
    const waitKey = queue.keys.wait!;
    const [index, length] = await Promise.all([
      this.redis.lpos(waitKey, jobId),
      this.redis.llen(waitKey),
    ]);
    if (index === null) return { state: await queue.getJobState(jobId) };
    return { state, position: length - index };
  }

  /** The Prometheus text for these queues (see metrics.ts). */
  metricsText(): Promise<string> {
    return renderMetrics(this.redis, this.options.prefix, Object.values(this.queues));
  }

  async close(): Promise<void> {
    // A queue whose connection is away cannot say QUIT (offline queue off): drop it instead;
    // likewise one whose close has not settled within CLOSE_WAIT_MS (seen after Redis came
    // back from an outage), so a process never hangs on its way out.
    const closeQueue = (queue: Queue) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('close timed out')), CLOSE_WAIT_MS);
      });
      return Promise.race([queue.close(), late])
        .catch(() => queue.disconnect())
        .finally(() => clearTimeout(timer));
    };
    this.closing ??= Promise.all(JOB_KINDS.map((kind) => closeQueue(this.queues[kind]))).then(() =>
      this.redis.disconnect(),
    );
    await this.closing;
  }
}
