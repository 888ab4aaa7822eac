// Interpolation and continuation through the public engine (worker thread): on the tiny model
// trained with the mask mix they make real MP4s of the right length and frame rate from a seed;
// a model trained for image-to-video only refuses them, naming what it takes; bad extend input
// is refused before inference.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EngineInputError, loadEngine, type Engine } from '../../src/engine/index.js';
import { readVideoFrames } from '../../src/engine/video.js';
import { solidPng } from './helpers/images.js';
import { MASKED_MODEL_DIR, TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';
import { probeVideo } from './helpers/probe.js';

const PROMPT = 'a red circle moving right on a black background';
const FAST = { steps: 2, scheduler: 'ddim', eta: 0.5 };

describe('masked uses through the engine', { skip: missingFixtures('masked') ?? false }, () => {
  let masked: Engine;
  let plain: Engine;
  let dir: string;
  let image: Buffer;

  before(async () => {
    [masked, plain] = await Promise.all([
      loadEngine(MASKED_MODEL_DIR, { intraOpThreads: 1 }),
      loadEngine(TINY_MODEL_DIR, { intraOpThreads: 1 }),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'firstframe-masked-'));
    image = await solidPng(64, 64, [0, 0, 0]);
  });
  after(async () => {
    await Promise.all([masked?.close(), plain?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('describe() says what each video model was trained for', () => {
    assert.deepEqual(masked.describe().videoMasks, ['first', 'interpolate', 'continue']);
    assert.deepEqual(plain.describe().videoMasks, ['first']);
  });

  test('interpolate: 2F - 1 frames at twice the fps, the same for the same seed', async () => {
    const steps: [number, number][] = [];
    const request = { ...FAST, prompt: PROMPT, image, seed: 5, interpolate: true };
    const video = await masked.animate({
      ...request,
      onProgress: (p) => p.stage === 'video' && steps.push([p.step, p.total]),
    });
    assert.equal(video.frames, 31);
    assert.equal(video.fps, 16);
    assert.equal(video.settings.interpolate, true);
    // The video's 2 steps, then 2 in each of the 3 windows (starts 0, 7, 8 for 16 frames).
    assert.deepEqual(steps.at(-1), [8, 8]);
    const path = join(dir, 'interpolated.mp4');
    writeFileSync(path, video.mp4);
    assert.equal(probeVideo(path).frames, 31);
    const again = await masked.animate(request);
    assert.ok(again.mp4.equals(video.mp4), 'same seed, same interpolated video');
    const plainVideo = await masked.animate({ ...request, interpolate: false });
    assert.equal(plainVideo.frames, 16);
    assert.equal(plainVideo.fps, 8);
  });

  test('extend: the input video, then F - k new frames, from MP4 bytes or frames', async () => {
    const source = await masked.animate({ ...FAST, prompt: PROMPT, image, seed: 3 });
    const frames = await readVideoFrames(source.mp4, { width: 64, height: 64 }, 64);
    assert.equal(frames.frames, 16);
    const fromFile = await masked.extend({ ...FAST, prompt: PROMPT, video: source.mp4, seed: 9 });
    assert.equal(fromFile.settings.contextFrames, 4, 'default k = F / 4');
    assert.equal(fromFile.newFrames, 12);
    assert.equal(fromFile.frames, 28);
    assert.equal(fromFile.fps, 8);
    const path = join(dir, 'extended.mp4');
    writeFileSync(path, fromFile.mp4);
    assert.equal(probeVideo(path).frames, 28);
    // The same frames given directly: the same video (a new caption is allowed too).
    const fromFrames = await masked.extend({ ...FAST, prompt: PROMPT, video: frames, seed: 9 });
    assert.ok(fromFrames.mp4.equals(fromFile.mp4));
    const longer = await masked.extend({
      ...FAST,
      prompt: 'a red circle moving left on a black background',
      video: frames,
      seed: 9,
      contextFrames: 8,
    });
    assert.equal(longer.newFrames, 8);
    assert.equal(longer.frames, 24);
  });

  test('a model trained for image-to-video only refuses interpolation and k > 1, naming what it takes', async () => {
    await assert.rejects(
      plain.animate({ ...FAST, prompt: PROMPT, image, interpolate: true }),
      (e) =>
        e instanceof EngineInputError &&
        e.field === 'interpolate' &&
        /interpolation needs a video model trained for it \("interpolate" in video_masks\); model tiny-test-model takes only: first \(image-to-video\)/.test(
          e.message,
        ),
    );
    const frames = { pixels: new Uint8Array(16 * 64 * 64 * 3), frames: 16 };
    await assert.rejects(
      plain.extend({ prompt: PROMPT, video: frames, contextFrames: 2 }),
      (e) =>
        e instanceof EngineInputError &&
        e.field === 'contextFrames' &&
        /continuation needs a video model trained for it \("continue" in video_masks\); model tiny-test-model takes only: first \(image-to-video\); without it a video is continued from its last frame alone \(contextFrames 1\)/.test(
          e.message,
        ),
    );
  });

  test('a model trained for image-to-video only continues from the last frame (k = 1)', async () => {
    const source = await plain.animate({ ...FAST, prompt: PROMPT, image, seed: 3 });
    const input = await readVideoFrames(source.mp4, { width: 64, height: 64 }, 64);
    const extended = await plain.extend({ ...FAST, prompt: PROMPT, video: source.mp4, seed: 9 });
    assert.equal(extended.settings.contextFrames, 1, 'k = 1 without "continue"');
    assert.equal(extended.newFrames, 15);
    assert.equal(extended.frames, 16 + 15);
    assert.equal(extended.added.length, 15 * 64 * 64 * 3);
    const path = join(dir, 'plain-extended.mp4');
    writeFileSync(path, extended.mp4);
    assert.equal(probeVideo(path).frames, 31);
    // The whole video starts with the input's frames (within the codec's tolerance).
    const back = await readVideoFrames(extended.mp4, { width: 64, height: 64 }, 64);
    const firstFrames = input.pixels.length;
    assert.ok(meanAbsDiff(back.pixels.subarray(0, firstFrames), input.pixels) < 8);
    const explicit = await plain.extend({
      ...FAST,
      prompt: PROMPT,
      video: input,
      seed: 9,
      contextFrames: 1,
    });
    assert.equal(explicit.newFrames, 15);
  });

  test('bad extend input says what is allowed', async () => {
    const frames = (n: number) => ({ pixels: new Uint8Array(n * 64 * 64 * 3), frames: n });
    await assert.rejects(
      masked.extend({ prompt: PROMPT, video: frames(16), contextFrames: 9 }),
      (e) =>
        e instanceof EngineInputError && e.field === 'contextFrames' && /1 to 8/.test(e.message),
    );
    await assert.rejects(
      masked.extend({ prompt: PROMPT, video: frames(2) }),
      /the video has 2 frames; extending takes 4 to 256/,
    );
    await assert.rejects(
      masked.extend({ prompt: PROMPT, video: { pixels: new Uint8Array(10), frames: 4 } }),
      /video frames must be 4 x 64x64 RGB pixels \(49152 bytes\)/,
    );
    await assert.rejects(
      masked.extend({ prompt: PROMPT, video: new Uint8Array([1, 2, 3, 4]) }),
      (e) => e instanceof EngineInputError && /the video could not be read/.test(e.message),
    );
  });
});

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
