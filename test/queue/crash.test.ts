// A worker process killed with SIGKILL in the middle of a job: once its lock runs out, another
// worker takes the job over and finishes it; one result, one quota charge.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { readRuns, solidPng } from './fixtures/test-engine.js';
import { createSetup, spawnWorker, waitFor, type WorkerProcess } from './helpers.js';

const setup = createSetup();
const workers: WorkerProcess[] = [];
after(async () => {
  for (const { child } of workers) child.kill('SIGKILL');
  await setup.cleanup();
});

test('SIGKILL mid-job: another worker finishes it after the stall interval, exactly once', async () => {
  const { producer, store } = setup;
  const lockDurationMs = 1500;
  const config = setup.workerConfig({
    engine: { logDir: setup.logDir, stepMs: 100, steps: 20 },
    lockDurationMs,
    stalledIntervalMs: 1000,
  });
  // Both workers wait; whichever takes the job is killed.
  workers.push(...(await Promise.all([spawnWorker(config), spawnWorker(config)])));

  await setup.artifacts.put('uploads/frame.png', solidPng(5));
  store.reserveQuota('crash1');
  const { jobId } = await producer.enqueueAnimation({
    generationId: 'crash1',
    prompt: 'a yellow triangle moving up',
    imageKey: 'uploads/frame.png',
    seed: 1,
    quota: { key: 'crash1', commitOnSuccess: true },
  });
  await waitFor('a worker to be mid-job', () =>
    store.progressOf(jobId).some((p) => p.stage === 'denoising' && p.step >= 3),
  );
  const firstPid = readRuns(setup.logDir)[0]!.pid;
  const first = workers.find(({ child }) => child.pid === firstPid)!;
  const second = workers.find(({ child }) => child.pid !== firstPid)!;
  const killedAt = Date.now();
  first.child.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');

  await waitFor('the job to complete', async () =>
    (await producer.queues.animation.getJobState(jobId)) === 'completed' ? true : undefined,
  );
  const runs = readRuns(setup.logDir);
  assert.deepEqual(
    runs.filter((run) => run.event === 'start').map((run) => run.pid),
    [firstPid, second.child.pid],
    'started by the first worker, then once more by the second',
  );
  assert.deepEqual(
    runs.filter((run) => run.event === 'end').map((run) => run.pid),
    [second.child.pid],
  );
  // The lock was last renewed at most half its duration before the kill (BullMQ renews it
  // every lockDuration / 2), so it ran out no sooner than that after the kill.
  const takenOver = runs.find((run) => run.event === 'start' && run.pid === second.child.pid)!;
  assert.ok(
    takenOver.at - killedAt >= lockDurationMs / 2,
    `taken over ${takenOver.at - killedAt} ms after the kill, only once the lock ran out`,
  );
  assert.equal(store.resultCount(jobId), 1, 'one result');
  assert.deepEqual(store.quotaEvents('crash1'), ['committed'], 'charged once');
  assert.deepEqual(store.failuresOf(jobId), []);
});

test('a job that stalls more often than allowed fails with a readable reason and a refund', async () => {
  const { producer, store } = setup;
  const config = setup.workerConfig({
    engine: { logDir: setup.logDir, stepMs: 100, steps: 30 },
    lockDurationMs: 1000,
    stalledIntervalMs: 500,
    maxStalledCount: 0,
  });
  // Only workers with this configuration may see the job.
  for (const { child } of workers.splice(0)) child.kill('SIGKILL');
  await setup.artifacts.put('uploads/frame.png', solidPng(6));
  const doomed = await spawnWorker(config);
  workers.push(doomed);
  store.reserveQuota('stall1');
  const { jobId } = await producer.enqueueAnimation({
    generationId: 'stall1',
    prompt: 'a purple diamond growing',
    imageKey: 'uploads/frame.png',
    seed: 1,
    quota: { key: 'stall1', commitOnSuccess: true },
  });
  await waitFor('the worker to be mid-job', () => store.progressOf(jobId).some((p) => p.step >= 2));
  doomed.child.kill('SIGKILL');
  const watcher = await spawnWorker(config);
  workers.push(watcher);

  await waitFor('the job to fail', async () =>
    (await producer.queues.animation.getJobState(jobId)) === 'failed' ? true : undefined,
  );
  await waitFor('the failure to be recorded', () => store.failuresOf(jobId).length > 0);
  assert.match(store.failuresOf(jobId)[0]!, /stopped responding too many times/);
  await waitFor('the refund', () => store.quotaEvents('stall1').length > 0);
  assert.deepEqual(store.quotaEvents('stall1'), ['refunded']);
  assert.equal(store.resultCount(jobId), 0);
});
