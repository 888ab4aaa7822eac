// The queue: producers and progress for the bots, workers for `npm run worker`, the dashboard
// and metrics for the all-in-one process (src/wiring/engine-worker.ts gives the worker its engine and
// the Prisma JobStore).
export {
  DEFAULT_REDIS_PORT,
  ensureRedis,
  HOW_TO_GET_REDIS,
  pingRedis,
  RedisUnavailableError,
  type RedisEndpoint,
} from './redis.js';

export { DEFAULT_QUEUE_NAMES, type QueueNames } from './queue-names.js';
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
  startWorker,
  type RedisConnection,
  type StartWorkerOptions,
  type WorkerHandle,
} from './queue-worker.js';
