// `npm run worker`: a queue worker. Needs a Redis that answers (REDIS_URL or 127.0.0.1:6379);
// unlike `npm start` it never starts one, since workers on several machines must share one.
import { openDatabase } from '../db/index.js';
import { DEFAULT_REDIS_PORT, HOW_TO_GET_REDIS, pingRedis, startWorker } from '../queue/index.js';
import { runProcess, StartupError } from './run-process.js';

await runProcess('worker', async ({ config, log, onShutdown }) => {
  const redisUrl = config.env.REDIS_URL ?? `redis://127.0.0.1:${DEFAULT_REDIS_PORT}`;
  try {
    await pingRedis(redisUrl, 3000);
  } catch (error) {
    throw new StartupError(
      `Redis at ${redisUrl} does not answer (${(error as Error).message}). ${HOW_TO_GET_REDIS}`,
    );
  }
  const db = await openDatabase(config.database, log);
  onShutdown(() => db.$disconnect());

  const worker = await startWorker({
    redisUrl,
    queuePrefix: config.env.QUEUE_PREFIX,
    concurrency: config.env.WORKER_CONCURRENCY,
    log,
  });
  onShutdown(() => worker.close());
});
