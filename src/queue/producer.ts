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
  log?: Logger;
}

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
    const make = (kind: JobKind) =>
      new Queue(names[kind], { connection: options.connection, prefix: options.prefix }).on(
        'error',
        onError,
      );
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
    await this.queues.candidates.add('candidates', valid, { ...this.jobOptions, jobId });
    return { jobId, kind: 'candidates' };
  }

  async enqueueAnimation(payload: AnimationPayload): Promise<Enqueued> {
    const valid = parsePayload('animation', payload, this.schemas);
    const jobId = animationJobId(valid.generationId);
    await this.queues.animation.add('animation', valid, { ...this.jobOptions, jobId });
    return { jobId, kind: 'animation' };
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
    this.closing ??= Promise.all(JOB_KINDS.map((kind) => this.queues[kind].close())).then(() =>
      this.redis.disconnect(),
    );
    await this.closing;
  }
}
