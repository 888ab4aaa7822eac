// One worker in this process (its engine in a worker thread) against the shared Redis:
// results, progress, duplicates, bad input, retries, and the final-failure bookkeeping.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JobProgress } from '../../src/queue/engine-port.js';
import type { CandidatesResult } from '../../src/queue/payloads.js';
import { readRuns } from './fixtures/test-engine.js';
import { createSetup, type LocalWorker, startLocalWorker, waitFor } from './helpers.js';

const setup = createSetup({ attempts: 3, backoffMs: 50 });
const { producer, store, artifacts } = setup;
let local: LocalWorker;
let events: LocalWorker['events'];

before(async () => {
  local = await startLocalWorker(setup, {
    logDir: setup.logDir,
    stepMs: 30,
    steps: 6,
    flakyFailures: 1,
  });
  events = local.events;
});

after(async () => {
  await local.close();
  await setup.cleanup();
});

const stateOf = (kind: 'candidates' | 'animation', jobId: string) =>
  producer.queues[kind].getJobState(jobId);
const settled = (kind: 'candidates' | 'animation', jobId: string) =>
  waitFor(`${jobId} to finish`, async () => {
    const state = await stateOf(kind, jobId);
    return state === 'completed' || state === 'failed' ? state : undefined;
  });
const startsOf = (prompt: string) =>
  readRuns(setup.logDir).filter((run) => run.prompt === prompt && run.event === 'start');

describe('a generation through the queue', () => {
  test('candidates then animation: artifacts, one result each, progress, quota committed once', async () => {
    const progress: JobProgress[] = [];
    events.on('progress', ({ jobId, progress: p }) => {
      if (jobId === 'candidates-gen1-r1') progress.push(p);
    });
    store.reserveQuota('gen1');
    const quota = { key: 'gen1', commitOnSuccess: false };
    const { jobId } = await producer.enqueueCandidates({
      generationId: 'gen1',
      round: 1,
      prompt: 'a red circle',
      seeds: [40, 41, 42, 43],
      quota,
    });
    assert.equal(jobId, 'candidates-gen1-r1');
    assert.equal(await settled('candidates', jobId), 'completed');

    const result = (await store.findResult({ jobId, kind: 'candidates', generationId: 'gen1' })) as
      CandidatesResult | undefined;
    assert.ok(result);
    assert.deepEqual(result.seeds, [40, 41, 42, 43]);
    assert.equal(result.candidateKeys.length, 4);
    for (const key of [...result.candidateKeys, result.gridKey]) {
      const png = await artifacts.get(key);
      assert.equal(png.subarray(1, 4).toString(), 'PNG', `${key} is a PNG`);
    }
    assert.equal(store.quotaState('gen1'), 'reserved', 'candidates alone do not charge');

    await waitFor('the last progress event', () =>
      progress.some((p) => p.step === 6 && p.total === 6),
    );
    const steps = progress.filter((p) => p.stage === 'denoising').map((p) => p.step);
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6], 'every step reported in order');
    assert.ok(store.progressOf(jobId).length >= 6, 'progress also written to the store');

    const animation = await producer.enqueueAnimation({
      generationId: 'gen1',
      prompt: 'a red circle',
      imageKey: result.candidateKeys[2]!,
      seed: 1,
      quota: { key: 'gen1', commitOnSuccess: true },
    });
    assert.equal(await settled('animation', animation.jobId), 'completed');
    const video = await store.findResult({
      jobId: animation.jobId,
      kind: 'animation',
      generationId: 'gen1',
    });
    assert.equal(video?.kind, 'animation');
    const gif = await artifacts.get(video.kind === 'animation' ? video.gifKey : '');
    assert.equal(gif.subarray(0, 6).toString(), 'GIF89a');
    assert.deepEqual(store.quotaEvents('gen1'), ['committed']);
  });

  test('a duplicated enqueue runs once, before and after completion', async () => {
    const payload = {
      generationId: 'gen2',
      round: 1,
      prompt: 'a blue square',
      seeds: [1, 2, 3, 4],
    };
    const [first, second] = await Promise.all([
      producer.enqueueCandidates(payload),
      producer.enqueueCandidates(payload),
    ]);
    assert.equal(first.jobId, second.jobId);
    assert.equal(await settled('candidates', first.jobId), 'completed');
    const again = await producer.enqueueCandidates(payload);
    assert.equal(again.jobId, first.jobId);

    // A new round of the same generation is a different job. It is added after the repeat, so
    // once it has run, a job the repeat had added would have run (and been logged) too.
    const round2 = await producer.enqueueCandidates({ ...payload, round: 2 });
    assert.equal(await settled('candidates', round2.jobId), 'completed');
    assert.equal(startsOf('a blue square').length, 2, 'round 1 ran once, round 2 once');
    assert.equal(store.resultCount(first.jobId), 1);
  });

  test('bad input for the engine fails at once with a readable reason and a refund', async () => {
    store.reserveQuota('gen3');
    const { jobId } = await producer.enqueueCandidates({
      generationId: 'gen3',
      round: 1,
      seeds: [1, 2, 3, 4],
      prompt: 'a badword circle',
      quota: { key: 'gen3', commitOnSuccess: false },
    });
    assert.equal(await settled('candidates', jobId), 'failed');
    const job = await producer.queues.candidates.getJob(jobId);
    assert.equal(job?.attemptsMade, 1, 'not retried');
    assert.match(job?.failedReason ?? '', /unknown word "badword"/);
    const reasons = store.failuresOf(jobId);
    assert.equal(reasons.length, 1);
    assert.match(reasons[0]!, /^Making the first-frame candidates failed: unknown word "badword"/);
    assert.deepEqual(store.quotaEvents('gen3'), ['refunded']);
  });

  test('a payload that does not validate fails at once, naming the field', async () => {
    // Written by something other than our producer (which would refuse it).
    store.reserveQuota('gen4');
    const data = {
      generationId: 'gen4',
      round: 0,
      prompt: 'x',
      quota: { key: 'gen4', commitOnSuccess: false },
    };
    await producer.queues.candidates.add('candidates', data, { jobId: 'raw-gen4', attempts: 3 });
    assert.equal(await settled('candidates', 'raw-gen4'), 'failed');
    const job = await producer.queues.candidates.getJob('raw-gen4');
    assert.equal(job?.attemptsMade, 1);
    assert.match(job?.failedReason ?? '', /invalid candidates job/);
    assert.match(job?.failedReason ?? '', /round/);
    assert.equal(store.failuresOf('raw-gen4').length, 1);
    assert.deepEqual(store.quotaEvents('gen4'), ['refunded']);
  });

  test('the producer refuses a bad payload with a message naming the field', async () => {
    await assert.rejects(
      producer.enqueueCandidates({
        generationId: 'bad:id',
        round: 1,
        seeds: [1, 2, 3, 4],
        prompt: 'ok',
      }),
      (error: Error) => error.name === 'InvalidPayloadError' && /generationId/.test(error.message),
    );
  });

  test('a transient engine error is retried and then succeeds', async () => {
    store.reserveQuota('gen5');
    const failedEvents: string[] = [];
    events.on('failed', ({ jobId }) => failedEvents.push(jobId));
    const { jobId } = await producer.enqueueAnimation({
      generationId: 'gen5',
      prompt: 'a flaky green cross',
      imageKey: 'generations/gen1/round-1/candidate-1.png',
      seed: 1,
      quota: { key: 'gen5', commitOnSuccess: true },
    });
    assert.equal(await settled('animation', jobId), 'completed');
    const job = await producer.queues.animation.getJob(jobId);
    assert.equal(job?.attemptsMade, 2, 'one failed attempt, then the successful one');
    assert.equal(startsOf('a flaky green cross').length, 2);
    assert.equal(store.resultCount(jobId), 1);
    assert.deepEqual(store.failuresOf(jobId), [], 'not marked failed');
    assert.deepEqual(store.quotaEvents('gen5'), ['committed']);
    assert.ok(!failedEvents.includes(jobId), 'a retried attempt is not announced as a failure');
  });

  test('after the last attempt: failed once, with the reason, and the quota refunded', async () => {
    store.reserveQuota('gen6');
    const failed = new Promise<string>((resolve) =>
      events.on('failed', ({ jobId, reason }) => jobId === 'animation-gen6' && resolve(reason)),
    );
    const { jobId } = await producer.enqueueAnimation({
      generationId: 'gen6',
      prompt: 'a broken pink diamond',
      imageKey: 'generations/gen1/round-1/candidate-1.png',
      seed: 1,
      quota: { key: 'gen6', commitOnSuccess: true },
    });
    assert.equal(await settled('animation', jobId), 'failed');
    assert.equal((await producer.queues.animation.getJob(jobId))?.attemptsMade, 3);
    assert.equal(startsOf('a broken pink diamond').length, 3);
    const reasons = store.failuresOf(jobId);
    assert.equal(reasons.length, 1, 'marked failed once, after the last attempt');
    assert.match(
      reasons[0]!,
      /^Animating the chosen frame failed \(tried 3 times\): the server ran out of memory\. /,
    );
    assert.deepEqual(store.quotaEvents('gen6'), ['refunded']);
    assert.equal(await failed, reasons[0], 'listeners hear the final failure, in the same words');
  });

  test('a redelivered job whose result is already recorded skips the engine and settles the quota', async () => {
    // As when a worker died after writing the result but before BullMQ heard of it.
    const ref = { jobId: 'animation-gen7', kind: 'animation' as const, generationId: 'gen7' };
    const recorded = { kind: 'animation' as const, mp4Key: 'old.mp4', gifKey: 'old.gif' };
    assert.equal(await store.recordResult(ref, recorded), true);
    store.reserveQuota('gen7');
    const { jobId } = await producer.enqueueAnimation({
      generationId: 'gen7',
      prompt: 'a cyan circle shrinking',
      imageKey: 'generations/gen1/round-1/candidate-1.png',
      seed: 1,
      quota: { key: 'gen7', commitOnSuccess: true },
    });
    assert.equal(await settled('animation', jobId), 'completed');
    assert.deepEqual((await producer.queues.animation.getJob(jobId))?.returnvalue, recorded);
    assert.equal(startsOf('a cyan circle shrinking').length, 0, 'the engine did not run');
    assert.deepEqual(store.quotaEvents('gen7'), ['committed']);
  });

  test('an engine thread that dies is replaced, and the job is retried', async () => {
    const { jobId } = await producer.enqueueCandidates({
      generationId: 'gen8',
      round: 1,
      seeds: [1, 2, 3, 4],
      prompt: 'a threadcrash circle',
    });
    assert.equal(await settled('candidates', jobId), 'completed');
    const job = await producer.queues.candidates.getJob(jobId);
    assert.equal(job?.attemptsMade, 2, 'the first attempt was lost with the thread');
    assert.equal(store.resultCount(jobId), 1);
  });
});
