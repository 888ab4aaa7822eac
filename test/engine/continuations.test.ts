// "Extend together" (issue 29) through the queue's engine port on the real ONNX engine: four
// continuations of a real MP4, one per seed, on a model trained for image-to-video only (it
// continues from the last frame) and on one trained with "continue" (the last F/4 frames). Each
// is the whole story (the input's frames, then F - k new ones); the first new frames differ by
// seed; the preview is an animated GIF of the new frames at the candidates grid's size.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/adapters/onnx/onnx-engine.js';
import { readVideoFrames } from '../../src/engine/video.js';
import type { ContinuationsOutput, GenerationEngine } from '../../src/queue/engine-port.js';
import { solidPng } from './helpers/images.js';
import { MASKED_MODEL_DIR, TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';
import { probeVideo } from './helpers/probe.js';

const PROMPT = 'a red circle moving right on a black background';
const FAST = { steps: 2, scheduler: 'ddim' };
const SEEDS = [21, 22, 23, 24];
const SIZE = { width: 64, height: 64 };

describe(
  'continuations through the engine port',
  { skip: missingFixtures('masked') ?? false },
  () => {
    let plain: GenerationEngine;
    let masked: GenerationEngine;
    let dir: string;
    let story: Uint8Array;
    let gridSize: { width: number; height: number };

    before(async () => {
      [plain, masked] = await Promise.all([
        createEngine({ modelDir: TINY_MODEL_DIR, engines: 2 }),
        createEngine({ modelDir: MASKED_MODEL_DIR }),
      ]);
      dir = mkdtempSync(join(tmpdir(), 'firstframe-continuations-'));
      const image = await solidPng(64, 64, [0, 0, 0]);
      story = (await plain.animate({ ...FAST, prompt: PROMPT, image, seed: 3 })).mp4;
      const { grid } = await plain.generateCandidates({ ...FAST, prompt: PROMPT, seeds: SEEDS });
      gridSize = pngSize(grid);
    });
    after(async () => {
      await Promise.all([plain?.close(), masked?.close()]);
      rmSync(dir, { recursive: true, force: true });
    });

    /** The checks every continuation set must pass, with `added` = F - k new frames. */
    async function checkContinuations(output: ContinuationsOutput, added: number, name: string) {
      assert.deepEqual(output.seeds, SEEDS);
      assert.equal(output.videos.length, 4);
      assert.equal(output.firstFrames.length, 4);
      const input = await readVideoFrames(story, SIZE, 64);
      assert.equal(input.frames, 16);
      for (const [i, video] of output.videos.entries()) {
        const mp4 = join(dir, `${name}-${i + 1}.mp4`);
        const gif = join(dir, `${name}-${i + 1}.gif`);
        writeFileSync(mp4, video.mp4);
        writeFileSync(gif, video.gif);
        assert.equal(probeVideo(mp4).frames, 16 + added, `continuation ${i + 1}: the whole story`);
        assert.equal(probeVideo(gif).frames, 16 + added);
        const back = await readVideoFrames(video.mp4, SIZE, 64);
        const head = back.pixels.subarray(0, input.pixels.length);
        assert.ok(meanAbsDiff(head, input.pixels) < 8, `continuation ${i + 1} starts as the story`);
      }
      for (let i = 0; i < 4; i++) {
        assert.deepEqual(pngSize(output.firstFrames[i]!), SIZE);
        for (let j = i + 1; j < 4; j++) {
          assert.ok(
            !Buffer.from(output.firstFrames[i]!).equals(Buffer.from(output.firstFrames[j]!)),
            `first new frames ${i + 1} and ${j + 1} are the same`,
          );
        }
      }
      const preview = join(dir, `${name}-preview.gif`);
      writeFileSync(preview, output.preview);
      const probe = probeVideo(preview);
      assert.equal(probe.codec, 'gif');
      assert.equal(probe.frames, added, 'the preview animates the new frames only');
      assert.deepEqual({ width: probe.width, height: probe.height }, gridSize);
    }

    test('a model without "continue": four continuations from the last frame', async () => {
      const video: [number, number][] = [];
      const output = await plain.continuations({
        ...FAST,
        prompt: PROMPT,
        video: story,
        seeds: SEEDS,
        onProgress: (p) => p.stage === 'video' && video.push([p.step, p.total]),
      });
      await checkContinuations(output, 15, 'plain');
      // One progress for the four: 2 steps each, counted together.
      assert.ok(video.every(([, total]) => total === 8));
      assert.deepEqual(video.at(-1), [8, 8]);
    });

    test('a model with "continue": four continuations of the last F/4 frames', async () => {
      const output = await masked.continuations({
        ...FAST,
        prompt: PROMPT,
        video: story,
        seeds: SEEDS,
      });
      await checkContinuations(output, 12, 'masked');
    });

    test('refusals name what is allowed', async () => {
      const request = { ...FAST, prompt: PROMPT, video: story, seeds: SEEDS };
      await assert.rejects(
        plain.continuations({ ...request, contextFrames: 2 }),
        (e: Error) =>
          e.name === 'EngineInputError' &&
          /model tiny-test-model takes only: first \(image-to-video\)/.test(e.message),
      );
      await assert.rejects(
        masked.continuations({ ...request, contextFrames: 9 }),
        (e: Error) => e.name === 'EngineInputError' && /contextFrames must be/.test(e.message),
      );
      await assert.rejects(
        plain.continuations({ ...request, video: new Uint8Array([1, 2, 3]) }),
        (e: Error) =>
          e.name === 'EngineInputError' && /the video could not be read/.test(e.message),
      );
    });
  },
);

function pngSize(png: Uint8Array): { width: number; height: number } {
  const bytes = Buffer.from(png);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
