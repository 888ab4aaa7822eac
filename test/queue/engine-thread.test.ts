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
  // One timeline of what this process's event loop (the worker's main thread) got to do:
  // timer ticks and the engine's progress, in the order they happened.
  const timeline: string[] = [];
  events.on('progress', ({ progress }) => timeline.push(`${progress.stage}${progress.step}`));
  const ticker = setInterval(() => timeline.push('tick'), 50);

  const { jobId } = await setup.producer.enqueueCandidates({
    generationId: 'block1',
    round: 1,
    seeds: [1, 2, 3, 4],
    prompt: 'a blocking gray square',
  });
  const lockKey = `${setup.prefix}:candidates:${jobId}:lock`;
  await waitFor('the job to start', async () => ((await redis.exists(lockKey)) ? true : undefined));
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
  // Each engine step blocks the engine's thread; the main thread kept ticking between every
  // two of them, and their progress arrived one by one, not all at the end.
  const steps = ['denoising1', 'denoising2', 'denoising3', 'denoising4', 'denoising5'];
  const at = steps.map((step) => timeline.indexOf(step));
  assert.ok(
    at.every((index) => index >= 0),
    `every step's progress arrived: ${timeline.join(' ')}`,
  );
  for (let i = 1; i < at.length; i++) {
    const between = timeline.slice(at[i - 1]! + 1, at[i]!);
    assert.ok(
      between.includes('tick'),
      `the event loop ran between ${steps[i - 1]} and ${steps[i]}`,
    );
  }
});
