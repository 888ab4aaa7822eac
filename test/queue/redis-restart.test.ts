// Redis restarted in the middle of a run (its own redis-server, append-only file on): the jobs
// that were waiting and the one that was active all complete afterwards; none is lost.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { pingRedis } from '../../src/queue/redis.js';
import { freePort } from '../helpers/ports.js';
import { solidPng } from './fixtures/test-engine.js';
import { createSetup, spawnWorker, waitFor, type WorkerProcess } from './helpers.js';

const port = await freePort();
const redisUrl = `redis://127.0.0.1:${port}`;
const setup = createSetup({ redisUrl });
const redisDir = path.join(setup.dir, 'redis');
mkdirSync(redisDir);
let redis: ChildProcess | undefined;
const workers: WorkerProcess[] = [];

async function startRedis() {
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--appendonly', 'yes'],
    { stdio: 'ignore' },
  );
  await waitFor('redis-server to answer', () =>
    pingRedis(redisUrl).then(
      () => true,
      () => false,
    ),
  );
}

async function stopRedis() {
  const exited = new Promise((resolve) => redis!.once('exit', resolve));
  redis!.kill('SIGTERM'); // flushes the append-only file
  await exited;
}

after(async () => {
  for (const { child } of workers) child.kill('SIGKILL');
  await setup.producer.close();
  // Before its folder goes: redis-server refuses to exit when it cannot write its files.
  if (redis?.exitCode === null) await stopRedis();
  await setup.cleanup();
});

test('Redis restarted mid-run: queued and active jobs all complete, none lost', async () => {
  await startRedis();
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

  await stopRedis();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await startRedis();

  await waitFor(
    'every job to complete',
    async () => {
      const counts = await producer.queues.animation.getJobCounts('completed', 'failed');
      return counts.completed === ids.length || counts.failed! > 0 ? true : undefined;
    },
    40_000,
  );
  for (const jobId of ids) {
    assert.equal(await producer.queues.animation.getJobState(jobId), 'completed', jobId);
    assert.equal(store.resultCount(jobId), 1, `${jobId} has one result`);
  }
});
