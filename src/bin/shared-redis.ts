// Processes that join a deployment (workers, chat bots) use the Redis everyone shares and
// never start a private one: REDIS_URL, else 127.0.0.1:6379, and it must answer.
import type { Config } from '../config/index.js';
import { DEFAULT_REDIS_PORT, HOW_TO_GET_REDIS, pingRedis } from '../queue/redis.js';
import { StartupError } from './run-process.js';

export async function requireSharedRedis(config: Config): Promise<string> {
  const redisUrl = config.env.REDIS_URL ?? `redis://127.0.0.1:${DEFAULT_REDIS_PORT}`;
  try {
    await pingRedis(redisUrl, 3000);
  } catch (error) {
    throw new StartupError(
      `Redis at ${redisUrl} does not answer (${(error as Error).message}). ${HOW_TO_GET_REDIS}`,
    );
  }
  return redisUrl;
}
