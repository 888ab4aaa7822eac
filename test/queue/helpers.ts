// Shared set-up for the queue tests: a unique key prefix on the shared Redis (removed after),
// a temporary folder with the SQLite store, the artifacts and the test engine's log, and
// worker processes started from fixtures/worker-process.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pingRedis } from '../../src/queue/redis.js';
import { freePort } from '../helpers/ports.js';
import { LocalFolderArtifactStore } from '../../src/artifacts/index.js';
import { ThreadHost, threadModule } from '../../src/engine/thread-host.js';
import type { GenerationEngine } from '../../src/queue/engine-port.js';
import type { QueueNames } from '../../src/queue/queue-names.js';
import { JobEvents } from '../../src/queue/events.js';
import { JobProducer } from '../../src/queue/producer.js';
import { startWorker, type WorkerHandle } from '../../src/queue/queue-worker.js';
import type { Logger } from '../../src/log.js';
import { silentLog } from '../helpers/silent-log.js';
import { SqliteJobStore } from './fixtures/sqlite-job-store.js';
import type { createEngine, TestEngineOptions } from './fixtures/test-engine.js';

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const here = path.dirname(fileURLToPath(import.meta.url));

export interface WorkerProcessConfig {
  redisUrl: string;
  prefix: string;
  queueNames?: Partial<QueueNames>;
  dbPath: string;
  artifactsDir: string;
  engine: TestEngineOptions;
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  shutdownGraceMs?: number;
}

// The test engine must run in a thread, as the real one does (a crash ends the thread, a
// blocking step blocks the thread only), and a function cannot cross into a thread: the host
// imports the module from this URL there. The `import type { createEngine }` above is the same
// module, so tsc checks the factory's options and result against it.
const TEST_ENGINE = threadModule<typeof createEngine>(
  new URL('./fixtures/test-engine.ts', import.meta.url),
  'createEngine',
);

/** The test engine in a thread of its own (src/engine/thread-host.ts), as a queue engine. */
export async function startTestEngine(options: TestEngineOptions): Promise<GenerationEngine> {
  const host = await ThreadHost.open(TEST_ENGINE, options);
  return {
    generateCandidates: (request) => host.call('generateCandidates', request),
    animate: (request) => host.call('animate', request),
    continuations: (request) => host.call('continuations', request),
    close: () => host.close(),
  };
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Deletes every key under the prefix. */
export async function dropPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface Setup {
  redisUrl: string;
  prefix: string;
  dir: string;
  logDir: string;
  store: SqliteJobStore;
  artifacts: LocalFolderArtifactStore;
  producer: JobProducer;
  /** Config for a worker process sharing this setup. */
  workerConfig(
    extra: Partial<WorkerProcessConfig> & { engine: TestEngineOptions },
  ): WorkerProcessConfig;
  cleanup(): Promise<void>;
}

export function createSetup(
  options: { redisUrl?: string; attempts?: number; backoffMs?: number } = {},
): Setup {
  const redisUrl = options.redisUrl ?? SHARED_REDIS_URL;
  const prefix = `fftest-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-queue-'));
  const logDir = path.join(dir, 'engine');
  mkdirSync(logDir);
  const dbPath = path.join(dir, 'jobs.db');
  const store = new SqliteJobStore(dbPath);
  const artifactsDir = path.join(dir, 'artifacts');
  const artifacts = new LocalFolderArtifactStore(artifactsDir);
  const producer = new JobProducer({
    connection: { url: redisUrl },
    prefix,
    attempts: options.attempts ?? 3,
    backoffMs: options.backoffMs ?? 100,
  });
  return {
    redisUrl,
    prefix,
    dir,
    logDir,
    store,
    artifacts,
    producer,
    workerConfig: (extra) => ({ redisUrl, prefix, dbPath, artifactsDir, ...extra }),
    cleanup: async () => {
      await producer.close(); // a second close is a no-op
      store.close();
      await dropPrefix(redisUrl, prefix).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts fixtures/worker-process.ts and resolves once it waits for jobs. */
export async function spawnWorker(config: WorkerProcessConfig): Promise<WorkerProcess> {
  const entry = path.join(here, 'fixtures', 'worker-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, FF_TEST_WORKER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  if (process.env.FF_TEST_LOG) child.stdout!.pipe(process.stderr); // FF_TEST_LOG=debug to see
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    void exited.then(({ code }) => reject(new Error(`worker process exited (${code}): ${stderr}`)));
  });
  return { child, exited };
}

export interface LocalWorker {
  worker: WorkerHandle;
  events: JobEvents;
  close(): Promise<void>;
}

/** A worker in this process (its test engine in a thread) and an events listener, both ready. */
export async function startLocalWorker(
  setup: Setup,
  engine: TestEngineOptions,
  options: { artifacts?: LocalFolderArtifactStore; log?: Logger } = {},
): Promise<LocalWorker> {
  const worker = await startWorker({
    connection: { url: setup.redisUrl },
    prefix: setup.prefix,
    engine: await startTestEngine(engine),
    store: setup.store,
    artifacts: options.artifacts ?? setup.artifacts,
    log: options.log ?? silentLog,
    progressIntervalMs: 0,
  });
  const events = new JobEvents({ connection: { url: setup.redisUrl }, prefix: setup.prefix });
  await Promise.all([worker.ready(), events.ready()]);
  return {
    worker,
    events,
    close: async () => {
      await worker.close({ graceMs: 1000 });
      await events.close();
    },
  };
}

export interface PrivateRedis {
  url: string;
  start(): Promise<void>;
  /** SIGTERM (which flushes the append-only file), resolved once the server has exited. */
  stop(): Promise<void>;
  /** Stops the server and removes its folder. */
  remove(): Promise<void>;
  readonly running: boolean;
}

/** A redis-server of the test's own (append-only, in a temporary folder), to stop and start. */
export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-redis-'));
  let server: ChildProcess | undefined;
  const redis: PrivateRedis = {
    url,
    get running() {
      return server !== undefined && server.exitCode === null && server.signalCode === null;
    },
    async start() {
      server = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes'],
        { stdio: 'ignore' },
      );
      await waitFor('redis-server to answer', () =>
        pingRedis(url).then(
          () => true,
          () => false,
        ),
      );
    },
    async stop() {
      const running = server;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
    async remove() {
      // Before its folder goes: redis-server refuses to exit when it cannot write its files.
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return redis;
}
