// `npm run worker`: a queue worker with the ONNX engine. Needs a Redis that answers (REDIS_URL
// or 127.0.0.1:6379); unlike `npm start` it never starts one, since workers on several
// machines must share one, along with the database and the artifacts folder.
import { PrismaQuotaStore } from '../adapters/prisma/prisma-quota.js';
import { PrismaSubjects } from '../adapters/prisma/prisma-subjects.js';
import { openDatabase } from '../db/index.js';
import { quotaDefaults } from '../core/quota.js';
import { resolveModelDir } from '../wiring/model.js';
import { artifactStoreOf, startEngineWorker } from '../wiring/engine-worker.js';
import { runProcess } from './run-process.js';
import { requireSharedRedis } from './shared-redis.js';

await runProcess('worker', async ({ config, log, onShutdown }) => {
  const redisUrl = await requireSharedRedis(config);
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
    artifacts: await artifactStoreOf(config),
  });
  onShutdown(() => worker.close());
});
