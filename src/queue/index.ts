// The queue: producers and progress for the bots, workers for `npm run worker`, the dashboard
// and metrics for the all-in-one process. The real worker is `startWorker` in ./worker.js;
// the placeholder `startWorker` below keeps src/bin compiling until the lead wires the engine
// and the Prisma JobStore into it (then this placeholder goes).
import type { Logger } from '../log.js';
import { pingRedis } from './redis.js';

export {
  DEFAULT_REDIS_PORT,
  ensureRedis,
  HOW_TO_GET_REDIS,
  pingRedis,
  RedisUnavailableError,
  type RedisEndpoint,
} from './redis.js';

export {
  animationJobId,
  candidatesJobId,
  DEFAULT_QUEUE_NAMES,
  JOB_KINDS,
  type JobKind,
  type QueueNames,
} from './job-ids.js';
export * from './payloads.js';
export type * from './engine-port.js';
export { ENGINE_INPUT_ERROR } from './engine-port.js';
export type { JobRef, JobStore } from './job-store.js';
export {
  JobProducer,
  type Enqueued,
  type ProducerOptions,
  type QueuePosition,
} from './producer.js';
export { JobEvents, type JobEventMap } from './events.js';
export { createQueueHttpHandler, type QueueHttpHandler, type QueueHttpOptions } from './http.js';
export { renderMetrics } from './metrics.js';
export {
  type RedisConnection,
  type StartWorkerOptions,
  type WorkerHandle as QueueWorkerHandle,
} from './worker.js';

export interface WorkerHandle {
  close(): Promise<void>;
}

export async function startWorker(options: {
  redisUrl: string;
  queuePrefix: string;
  concurrency: number;
  log: Logger;
}): Promise<WorkerHandle> {
  await pingRedis(options.redisUrl, 3000);
  options.log.info(
    { queuePrefix: options.queuePrefix, concurrency: options.concurrency },
    'worker ready (no job processors registered yet)',
  );
  // Nothing holds the event loop open until real BullMQ workers are registered here.
  const keepAlive = setInterval(() => {}, 1 << 30);
  return { close: async () => clearInterval(keepAlive) };
}
