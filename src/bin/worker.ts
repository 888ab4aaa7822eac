// `npm run worker`: a queue worker with the ONNX engine. Needs a Redis that answers (REDIS_URL
// or 127.0.0.1:6379); unlike `npm start` it never starts one, since workers on several
// machines must share one, along with the database and the artifacts folder.
import { PrismaQuotaStore } from '../app/adapters/prisma-quota.js';
import { PrismaSubjects } from '../app/adapters/prisma-subjects.js';
import { openDatabase } from '../db/index.js';
import { quotaDefaults } from '../db/quota.js';
import { DEFAULT_REDIS_PORT, HOW_TO_GET_REDIS, pingRedis } from '../queue/redis.js';
import { resolveModelDir } from '../wiring/model.js';
import { artifactStoreOf, startEngineWorker } from '../wiring/worker.js';
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
  const modelDir = resolveModelDir(config, log);
  const db = await openDatabase(config.database, log);
  onShutdown(() => db.$disconnect());
  const quota = new PrismaQuotaStore(db, new PrismaSubjects(db), quotaDefaults(config.env));
  const worker = await startEngineWorker({
    config,
    log,
    redisUrl,
    modelDir,
    db,
    quota,
    artifacts: artifactStoreOf(config),
  });
  onShutdown(() => worker.close());
});
