// A queue worker with the real engine and the Prisma job store: what `npm run worker` runs
// alone and `npm start` runs next to the bot. Workers on several machines must share Redis,
// the database and the artifacts: an object store (ARTIFACTS_URL=s3://...) or a shared mount
// of DATA_DIR/artifacts.
import path from 'node:path';
import { type ArtifactStore, LocalFolderArtifactStore } from '../artifacts/index.js';
import { createEngine } from '../adapters/onnx/onnx-engine.js';
import { defaultGraphCacheDir } from '../engine/index.js';
import { PrismaJobStore } from '../adapters/prisma/prisma-job-store.js';
import type { PrismaQuotaStore } from '../adapters/prisma/prisma-quota.js';
import type { Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import type { Logger } from '../log.js';
import { startWorker, type WorkerHandle } from '../queue/queue-worker.js';

/** ARTIFACTS_URL's store. Local copies of an object store's artifacts (and chat uploads) live
 * in <DATA_DIR>/artifacts either way. */
export async function artifactStoreOf(config: Config): Promise<ArtifactStore> {
  const localRoot = path.join(config.dataDir, 'artifacts');
  const bucket = config.artifactsBucket;
  if (!bucket) return new LocalFolderArtifactStore(localRoot);
  // Loaded only here: processes on the folder store never load the S3 SDK.
  const [{ S3Client }, { S3ArtifactStore }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('../artifacts/s3-store.js'),
  ]);
  const env = config.env;
  const client = new S3Client({
    region: env.S3_REGION,
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true } : {}),
    ...(env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.S3_ACCESS_KEY_ID,
            secretAccessKey: env.S3_SECRET_ACCESS_KEY,
          },
        }
      : {}),
  });
  return new S3ArtifactStore({ ...bucket, client, localRoot });
}

export async function startEngineWorker(options: {
  config: Config;
  log: Logger;
  redisUrl: string;
  modelDir: string;
  db: Db;
  quota: Pick<PrismaQuotaStore, 'commit' | 'refund'>;
  artifacts: ArtifactStore;
}): Promise<WorkerHandle> {
  const env = options.config.env;
  // Loaded first: a model that cannot load stops start-up here.
  const engine = await createEngine({
    modelDir: options.modelDir,
    provider: env.ENGINE_PROVIDER,
    threads: env.ENGINE_THREADS,
    // One engine per job the worker runs at once: jobs never wait for each other's steps.
    engines: env.WORKER_CONCURRENCY,
    graphCacheDir: defaultGraphCacheDir(),
    maxMediaBytes: env.MAX_UPLOAD_BYTES,
  });
  const worker = await startWorker({
    connection: { url: options.redisUrl },
    prefix: env.QUEUE_PREFIX,
    concurrency: env.WORKER_CONCURRENCY,
    engine,
    store: new PrismaJobStore(options.db, options.quota),
    artifacts: options.artifacts,
    log: options.log.child({ part: 'worker' }),
  });
  await worker.ready();
  options.log.info(
    {
      model: options.modelDir,
      prefix: env.QUEUE_PREFIX,
      engines: env.WORKER_CONCURRENCY,
      threadsPerEngine: env.ENGINE_THREADS,
    },
    'worker ready',
  );
  return worker;
}
