// Redis restarted in the middle of a run (its own redis-server, append-only file on): the jobs
// that were waiting and the one that was active all complete afterwards; none is lost.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { solidPng } from './fixtures/test-engine.js';
import { createSetup, privateRedis, spawnWorker, waitFor, type WorkerProcess } from './helpers.js';

const redis = await privateRedis();
const setup = createSetup({ redisUrl: redis.url });
const workers: WorkerProcess[] = [];

after(async () => {
  for (const { child } of workers) child.kill('SIGKILL');
  await setup.producer.close();
  await redis.remove();
  await setup.cleanup();
});

test('Redis restarted mid-run: queued and active jobs all complete, none lost', async () => {
  await redis.start();
  const { producer, store } = setup;
  await setup.artifacts.put('uploads/frame.png', solidPng(3));
  workers.push(
    await spawnWorker(
      setup.workerConfig({
        engine: { logDir: setup.logDir, stepMs: 50, steps: 8 },
        lockDurationMs: 5000,
        stalledIntervalMs: 2000,
      }),
    ),
  );
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const { jobId } = await producer.enqueueAnimation({
      generationId: `restart${i}`,
      prompt: `a green circle bouncing ${i}`,
      imageKey: 'uploads/frame.png',
      seed: i,
    });
    ids.push(jobId);
  }
  const before = await waitFor('one job done and the next one active', async () => {
    const counts = await producer.queues.animation.getJobCounts('completed', 'active', 'wait');
    return counts.completed! >= 1 && counts.active === 1 ? counts : undefined;
  });
  assert.ok(before.wait! >= 1, 'jobs still waiting when Redis goes down');

  await redis.stop();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await redis.start();

  await waitFor(
    'every job to complete',
    async () => {
      // While the producer reconnects its reads fail at once (its offline queue is off).
      const counts = await producer.queues.animation
        .getJobCounts('completed', 'failed')
        .catch(() => undefined);
      if (!counts) return undefined;
      return counts.completed === ids.length || counts.failed! > 0 ? true : undefined;
    },
    40_000,
  );
  for (const jobId of ids) {
    assert.equal(await producer.queues.animation.getJobState(jobId), 'completed', jobId);
    assert.equal(store.resultCount(jobId), 1, `${jobId} has one result`);
  }
});
