// Queue entry: the worker side. Job processors (first-frame candidates, animation) are
// registered here as they land; until then the worker only holds its Redis connection.
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
