// The reason the engine runs in its own thread: while it blocks that thread for seconds, the
// worker's main thread keeps renewing the job lock and publishing progress.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { JobEvents } from '../../src/queue/events.js';
import { startWorker } from '../../src/queue/queue-worker.js';
import { silentLog } from '../helpers/silent-log.js';
import { createSetup, startTestEngine, waitFor } from './helpers.js';

const setup = createSetup();
const redis = new Redis(setup.redisUrl);
after(async () => {
  redis.disconnect();
  await setup.cleanup();
});

test('a blocking engine does not stop lock renewal, progress or the event loop', async () => {
  const lockDurationMs = 600;
  const worker = await startWorker({
    connection: { url: setup.redisUrl },
    prefix: setup.prefix,
    engine: await startTestEngine({ logDir: setup.logDir, stepMs: 500, steps: 5 }),
    store: setup.store,
    artifacts: setup.artifacts,
    log: silentLog,
    lockDurationMs,
    stalledIntervalMs: 300,
    progressIntervalMs: 0,
  });
  const events = new JobEvents({ connection: { url: setup.redisUrl }, prefix: setup.prefix });
  await Promise.all([worker.ready(), events.ready()]);
  const progressAt: number[] = [];
  events.on('progress', () => progressAt.push(Date.now()));

  // This process's event loop: the worker's main thread.
  let maxLag = 0;
  let last = Date.now();
  const ticker = setInterval(() => {
    maxLag = Math.max(maxLag, Date.now() - last - 50);
    last = Date.now();
  }, 50);

  const { jobId } = await setup.producer.enqueueCandidates({
    generationId: 'block1',
    round: 1,
    seeds: [1, 2, 3, 4],
    prompt: 'a blocking gray square',
  });
  const lockKey = `${setup.prefix}:candidates:${jobId}:lock`;
  const startedAt = await waitFor('the job to start', async () =>
    (await redis.exists(lockKey)) ? Date.now() : undefined,
  );
  await new Promise((resolve) => setTimeout(resolve, 3 * lockDurationMs));
  assert.equal(await redis.exists(lockKey), 1, 'lock still held after 3x its duration');
  await waitFor('the job to complete', async () =>
    (await setup.producer.queues.candidates.getJobState(jobId)) === 'completed' ? true : undefined,
  );
  clearInterval(ticker);
  await worker.close();
  await events.close();

  const job = await setup.producer.queues.candidates.getJob(jobId);
  assert.equal(job?.attemptsMade, 1, 'ran once');
  assert.equal(job?.stalledCounter, 0, 'never considered stalled');
  assert.ok(maxLag < 400, `main thread stayed responsive (max lag ${maxLag} ms)`);
  const during = progressAt.filter((at) => at > startedAt && at < startedAt + 2500);
  assert.ok(during.length >= 3, `progress arrived while the engine blocked (${during.length})`);
});
