// `/video` while Redis is down: the playground answers within 5 s, says the queue is
// unavailable and nothing was charged, the reservation is refunded, and no job turns up once
// Redis is back (the stack runs on a redis-server of the test's own, stopped for the test).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { JOB_KINDS } from '../../src/core/contract.js';
import { Queue } from 'bullmq';
import { TINY_MODEL_DIR } from '../../src/wiring/model.js';
import { startStack, type Stack } from '../../src/wiring/stack.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { silentLog } from '../helpers/silent-log.js';
import { privateRedis, type PrivateRedis, waitFor } from '../queue/helpers.js';

const PREFIX = 'ff-redis-down';
const dir = mkdtempSync(path.join(tmpdir(), 'ff-redis-down-'));
let redis: PrivateRedis;
let database: TestDatabase;
let stack: Stack;

before(async () => {
  redis = await privateRedis();
  await redis.start();
  database = await createTestDatabase('sqlite');
  const env = {
    DATA_DIR: dir,
    DATABASE_URL: database.target.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: PREFIX,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    QUOTA_USER_DAILY: '5',
    MODEL_DIR: TINY_MODEL_DIR,
  };
  stack = await startStack({
    config: loadConfig({ env, envFile: null, baseDir: dir }),
    log: silentLog,
    redisUrl: redis.url,
    modelDir: TINY_MODEL_DIR,
    worker: false, // nothing would run the job anyway: this is about the bot's side
  });
});

after(async () => {
  if (!redis.running) await redis.start(); // closing the queue's connections needs it
  await stack?.close();
  await redis?.remove();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A line typed in the playground: what its POST /api/command waits for before answering. */
function say(user: string, text: string): Promise<unknown> {
  return stack.webAdapter.submit(user, text);
}

/** Every job id under the stack's prefix, read straight from Redis. */
async function jobIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const kind of JOB_KINDS) {
    const queue = new Queue(kind, { connection: { url: redis.url }, prefix: PREFIX });
    try {
      const jobs = await queue.getJobs();
      ids.push(...jobs.map((job) => job.id!));
    } finally {
      await queue.close();
    }
  }
  return ids.sort();
}

test('/video with Redis down answers within 5 s, charges nothing and queues nothing', async () => {
  await redis.stop();
  const started = performance.now();
  await say('alice', '/video a red circle moving right');
  const answeredMs = performance.now() - started;
  console.log(`# /video answered after ${Math.round(answeredMs)} ms with Redis down`);
  assert.ok(answeredMs < 5000, `answered after ${Math.round(answeredMs)} ms`);

  const said = stack.webAdapter
    .history('alice')
    .filter((message) => message.author.isBot)
    .map((message) => message.text);
  assert.ok(
    said.some((text) => /the queue is unavailable, nothing was charged/.test(text)),
    `the bot says why: ${JSON.stringify(said)}`,
  );

  const generation = await stack.db.generation.findFirstOrThrow({
    where: { prompt: 'a red circle moving right' },
  });
  assert.equal(generation.status, 'failed', 'stored as failed, not left waiting for a job');
  const ledger = await stack.db.quotaLedgerEntry.findUnique({ where: { key: generation.id } });
  assert.equal(ledger?.state, 'refunded', 'the reservation is refunded');

  // Redis back, a second /video goes through the same producer. Had the first job been
  // kept to be added later, it would be in Redis before the second (one connection, in order).
  await redis.start();
  await waitFor(
    'a second /video to be queued',
    async () => {
      await say('alice', '/video a blue square');
      return (await jobIds()).length > 0 ? true : undefined;
    },
    30_000,
  );
  const queued = await jobIds();
  assert.equal(queued.length, 1, `one job: ${JSON.stringify(queued)}`);
  assert.notEqual(queued[0], `candidates-${generation.id}-r1`, 'not the one given up on');
  const second = await stack.db.generation.findUniqueOrThrow({
    where: { id: /^candidates-(.+)-r1$/.exec(queued[0]!)![1]! },
  });
  assert.equal(second.prompt, 'a blue square');
});
