// Progress and outcome of jobs, for whoever waits on them (the bot editing its chat message).
// Backed by BullMQ's QueueEvents (a Redis stream), so it works across processes and machines.
import { EventEmitter } from 'node:events';
import { QueueEvents } from 'bullmq';
import type { Logger } from '../log.js';
import type { JobProgress } from './engine-port.js';
import { JOB_KINDS, type JobKind } from '../core/contract.js';
import { DEFAULT_QUEUE_NAMES, type QueueNames } from './queue-names.js';
import type { JobResult } from './payloads.js';
import type { RedisConnection } from './queue-worker.js';

export interface JobEventMap {
  progress: [{ kind: JobKind; jobId: string; progress: JobProgress }];
  completed: [{ kind: JobKind; jobId: string; result: JobResult }];
  /** Only final failures; attempts that will be retried are not reported. */
  failed: [{ kind: JobKind; jobId: string; reason: string }];
}

export class JobEvents extends EventEmitter<JobEventMap> {
  private readonly sources: QueueEvents[];

  constructor(options: {
    connection: RedisConnection;
    prefix: string;
    queueNames?: Partial<QueueNames>;
    log?: Logger;
  }) {
    super();
    const names = { ...DEFAULT_QUEUE_NAMES, ...options.queueNames };
    this.sources = JOB_KINDS.map((kind) => {
      const source = new QueueEvents(names[kind], {
        connection: options.connection,
        prefix: options.prefix,
      });
      // It reconnects by itself and resumes from its place in the stream.
      source.on('error', (error) => options.log?.warn({ err: error }, 'job events connection'));
      source.on('progress', ({ jobId, data }) =>
        this.emit('progress', { kind, jobId, progress: data as unknown as JobProgress }),
      );
      source.on('completed', ({ jobId, returnvalue }) =>
        this.emit('completed', { kind, jobId, result: parseResult(returnvalue) }),
      );
      source.on('failed', ({ jobId, failedReason }) =>
        this.emit('failed', { kind, jobId, reason: failedReason }),
      );
      return source;
    });
  }

  /** Resolves once the listeners are connected (events before that are not seen). */
  async ready(): Promise<void> {
    await Promise.all(this.sources.map((source) => source.waitUntilReady()));
  }

  async close(): Promise<void> {
    await Promise.all(this.sources.map((source) => source.close()));
  }
}

function parseResult(value: unknown): JobResult {
  return (typeof value === 'string' ? JSON.parse(value) : value) as JobResult;
}
