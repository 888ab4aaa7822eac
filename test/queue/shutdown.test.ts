// SIGTERM: the worker stops taking jobs; the active job finishes within the grace period,
// or is handed back to the queue (no attempt spent) for another worker to finish.
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

const { producer, store } = setup;
const animate = (generationId: string, prompt: string) =>
  producer.enqueueAnimation({ generationId, prompt, imageKey: 'uploads/frame.png', seed: 1 });
const stateOf = (jobId: string) => producer.queues.animation.getJobState(jobId);
const midJob = (jobId: string) =>
  waitFor(`${jobId} to be mid-job`, () => store.progressOf(jobId).some((p) => p.step >= 2));

test('within the grace period the active job finishes, and no new job is taken', async () => {
  await setup.artifacts.put('uploads/frame.png', solidPng(5));
  const worker = await spawnWorker(
    setup.workerConfig({
      engine: { logDir: setup.logDir, stepMs: 100, steps: 12 },
      shutdownGraceMs: 20_000,
    }),
  );
  workers.push(worker);
  const active = await animate('term1', 'a red square moving left');
  const next = await animate('term2', 'a red square moving right');
  await midJob(active.jobId);

  worker.child.kill('SIGTERM');
  assert.equal((await worker.exited).code, 0);
  assert.equal(await stateOf(active.jobId), 'completed');
  assert.equal(store.resultCount(active.jobId), 1);
  assert.equal(await stateOf(next.jobId), 'waiting', 'the next job was left in the queue');
  assert.equal(readRuns(setup.logDir).filter((run) => run.prompt.endsWith('right')).length, 0);
});

test('past the grace period the active job is handed back and another worker finishes it', async () => {
  const config = setup.workerConfig({
    engine: { logDir: setup.logDir, stepMs: 100, steps: 60 },
    shutdownGraceMs: 300,
  });
  // term2 from the test above is still waiting: this worker takes it first.
  const worker = await spawnWorker(config);
  workers.push(worker);
  await midJob('animation-term2');

  const sentAt = Date.now();
  worker.child.kill('SIGTERM');
  assert.equal((await worker.exited).code, 0);
  assert.ok(Date.now() - sentAt < 5000, 'did not wait for the 6 s job');
  assert.equal(await stateOf('animation-term2'), 'waiting', 'back in the queue');
  const job = await producer.queues.animation.getJob('animation-term2');
  assert.equal(job?.attemptsMade, 0, 'no attempt spent');
  const events = readRuns(setup.logDir).filter((run) => run.pid === worker.child.pid);
  assert.deepEqual(
    events.map((run) => run.event),
    ['start', 'aborted'],
    'the engine was told to stop',
  );

  const quick = setup.workerConfig({
    engine: { logDir: setup.logDir, stepMs: 10, steps: 5 },
  });
  const successor = await spawnWorker(quick);
  workers.push(successor);
  await waitFor('the handed-back job to complete', async () =>
    (await stateOf('animation-term2')) === 'completed' ? true : undefined,
  );
  assert.equal(store.resultCount('animation-term2'), 1);
  assert.deepEqual(store.failuresOf('animation-term2'), []);
});
