// Continuations through the queue (issue 29 "extend together"): a candidates job carrying the
// story so far (`continueFrom`, its MP4 as an artifact key) runs on a worker with the tiny ONNX
// model over BullMQ and the shared Redis; the worker stores each continuation's first new frame,
// whole MP4 and GIF and the preview GIF under the round's folder, and the bot's queue adapter
// turns them into local files, with the four whole videos.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.js';
import { createEngine } from '../../src/adapters/onnx/onnx-engine.js';
import type { FlowJob } from '../../src/core/flow/types.js';
import { JobEvents } from '../../src/queue/events.js';
import { parsePayload } from '../../src/queue/payloads.js';
import { startWorker, type WorkerHandle } from '../../src/queue/queue-worker.js';
import type { JobEvent, JobResult } from '../../src/service/ports.js';
import { TINY_MODEL_DIR } from '../../src/wiring/model.js';
import { probeVideo } from '../engine/helpers/probe.js';
import { solidPng } from '../engine/helpers/images.js';
import { silentLog } from '../helpers/silent-log.js';
import { createSetup, waitFor } from './helpers.js';

const FAST = { prompt: 'a red circle moving right on a black background', steps: 2 };

test('a candidates payload takes continueFrom, but not together with init', () => {
  const job = { generationId: 's1', prompt: 'a red circle', round: 2, seeds: [1, 2, 3, 4] };
  const continueFrom = { videoKey: 'generations/s1/video.mp4', contextFrames: 1 };
  assert.deepEqual(parsePayload('candidates', { ...job, continueFrom }).continueFrom, continueFrom);
  assert.throws(
    () =>
      parsePayload('candidates', {
        ...job,
        continueFrom,
        init: { imageKey: 'generations/s1/round-1/candidate-1.png' },
      }),
    /a candidates job takes init \(variations\) or continueFrom \(continuations\), not both/,
  );
  assert.throws(
    () => parsePayload('candidates', { ...job, continueFrom: { contextFrames: 1 } }),
    /videoKey/,
  );
});

const setup = createSetup({ attempts: 1 });
let worker: WorkerHandle;
let events: JobEvents;
let queue: BullmqJobQueue;
const seen: JobEvent[] = [];
let outside: string;

before(async () => {
  worker = await startWorker({
    connection: { url: setup.redisUrl },
    prefix: setup.prefix,
    engine: await createEngine({ modelDir: TINY_MODEL_DIR, threads: 1 }),
    store: setup.store,
    artifacts: setup.artifacts,
    log: silentLog,
    progressIntervalMs: 0,
  });
  events = new JobEvents({ connection: { url: setup.redisUrl }, prefix: setup.prefix });
  await Promise.all([worker.ready(), events.ready()]);
  queue = new BullmqJobQueue(setup.producer, events, setup.artifacts);
  queue.subscribe((event) => seen.push(event));
  outside = mkdtempSync(path.join(tmpdir(), 'ff-story-'));
});
after(async () => {
  await worker?.close({ graceMs: 1000 });
  await events?.close();
  await setup.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

/** Enqueues `job` through the bot's adapter and waits for its outcome. */
async function run(job: FlowJob, jobId: string): Promise<JobResult> {
  await queue.enqueue(job);
  const event = await waitFor(
    `job ${jobId}`,
    () => seen.find((e) => e.jobId === jobId && e.type !== 'progress'),
    120_000,
  );
  if (event.type !== 'completed') throw new Error(`job ${jobId}: ${JSON.stringify(event)}`);
  return event.result;
}

test('four continuations of a story video through BullMQ, with their whole videos', async () => {
  // The story so far: an animation of generation s1, as the flow makes it.
  await setup.artifacts.put('generations/s1/first-frame.png', await solidPng(64, 64, [0, 0, 0]));
  const animation = await run(
    {
      kind: 'animation',
      jobId: 'animation-s1',
      generationId: 's1',
      imagePath: path.join(setup.artifacts.localRoot, 'generations/s1/first-frame.png'),
      seed: 3,
      ...FAST,
    },
    'animation-s1',
  );
  assert.equal(animation.kind, 'animation');
  const storyPath = animation.kind === 'animation' ? animation.mp4 : '';
  // The story's video can be read; a file that is nowhere cannot (`/video extend` asks first).
  assert.equal(await queue.canRead(storyPath), true);
  assert.equal(
    await queue.canRead(path.join(setup.artifacts.localRoot, 'generations/s9/video.mp4')),
    false,
  );
  assert.equal(await queue.canRead(path.join(outside, 'missing.mp4')), false);

  const seeds = [31, 32, 33, 34];
  const result = await run(
    {
      kind: 'candidates',
      jobId: 'candidates-s1-r2',
      generationId: 's1',
      round: 2,
      seeds,
      continueFrom: { videoPath: storyPath },
      ...FAST,
    },
    'candidates-s1-r2',
  );
  // The worker named the story by its artifact key and kept everything under round-2.
  const job = await setup.producer.queues.candidates.getJob('candidates-s1-r2');
  assert.deepEqual(job?.data.continueFrom, { videoKey: 'generations/s1/video.mp4' });
  const recorded = await setup.store.findResult({
    jobId: 'candidates-s1-r2',
    kind: 'candidates',
    generationId: 's1',
    round: 2,
  });
  const folder = 'generations/s1/round-2';
  assert.deepEqual(recorded, {
    kind: 'candidates',
    candidateKeys: [1, 2, 3, 4].map((i) => `${folder}/continuation-${i}.png`),
    gridKey: `${folder}/preview.gif`,
    seeds,
    videos: [1, 2, 3, 4].map((i) => ({
      mp4Key: `${folder}/story-${i}.mp4`,
      gifKey: `${folder}/story-${i}.gif`,
    })),
  });
  // The flow's result: local files, the four whole videos among them.
  assert.equal(result.kind, 'candidates');
  if (result.kind !== 'candidates') return;
  assert.equal(result.images.length, 4);
  assert.equal(readFileSync(result.grid).subarray(0, 6).toString('latin1'), 'GIF89a');
  assert.equal(result.videos?.length, 4);
  for (const video of result.videos!) {
    assert.ok(existsSync(video.mp4) && existsSync(video.gif));
    assert.equal(probeVideo(video.mp4).frames, 16 + 15, 'the story, then 15 new frames');
  }

  // A story video outside the artifact folder is copied in under the round.
  const elsewhere = path.join(outside, 'story.mp4');
  copyFileSync(result.videos![2]!.mp4, elsewhere);
  const next = await run(
    {
      kind: 'candidates',
      jobId: 'candidates-s1-r3',
      generationId: 's1',
      round: 3,
      seeds: [41, 42, 43, 44],
      continueFrom: { videoPath: elsewhere, contextFrames: 1 },
      ...FAST,
    },
    'candidates-s1-r3',
  );
  const third = await setup.producer.queues.candidates.getJob('candidates-s1-r3');
  assert.deepEqual(third?.data.continueFrom, {
    videoKey: 'generations/s1/round-3/story.mp4',
    contextFrames: 1,
  });
  assert.ok(next.kind === 'candidates' && next.videos?.length === 4);
  assert.equal(probeVideo(next.videos[0]!.mp4).frames, 31 + 15, 'the longer story, then 15');
});

test('a continuation the model cannot make fails with its reason, without retries', async () => {
  await setup.artifacts.put(
    'generations/s2/video.mp4',
    readFileSync(path.join(outside, 'story.mp4')),
  );
  await queue.enqueue({
    kind: 'candidates',
    jobId: 'candidates-s2-r2',
    generationId: 's2',
    round: 2,
    seeds: [1, 2, 3, 4],
    continueFrom: {
      videoPath: path.join(setup.artifacts.localRoot, 'generations/s2/video.mp4'),
      contextFrames: 2,
    },
    ...FAST,
  });
  const event = await waitFor(
    'the failure',
    () => seen.find((e) => e.jobId === 'candidates-s2-r2' && e.type !== 'progress'),
    60_000,
  );
  assert.equal(event.type, 'failed');
  assert.match(
    event.type === 'failed' ? event.reason : '',
    /model tiny-test-model takes only: first \(image-to-video\)/,
  );
});
