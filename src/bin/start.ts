// `npm start`: everything on one machine — Redis (a private one if needed), the embedded
// database, the web playground and a worker.
import { startWebServer } from '../bots/web/server.js';
import { openDatabase } from '../db/index.js';
import { ensureRedis, startWorker } from '../queue/index.js';
import { runProcess } from './run-process.js';

await runProcess('firstframe', async ({ config, log, onShutdown }) => {
  const db = await openDatabase(config.database, log);
  onShutdown(() => db.$disconnect());

  const redis = await ensureRedis({ url: config.env.REDIS_URL, dataDir: config.dataDir, log });
  onShutdown(() => redis.stop());

  const worker = await startWorker({
    redisUrl: redis.url,
    queuePrefix: config.env.QUEUE_PREFIX,
    concurrency: config.env.WORKER_CONCURRENCY,
    log,
  });
  onShutdown(() => worker.close());

  const web = await startWebServer({
    host: config.env.HTTP_HOST,
    port: config.env.HTTP_PORT,
    log,
  });
  onShutdown(() => web.close());
  console.log(`\n  firstframe is running: open ${web.url}\n  (Ctrl+C stops it)\n`);
});
