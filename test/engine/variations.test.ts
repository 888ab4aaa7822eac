// Variations (SDEdit, `init`) on the tiny model: re-noised to a strength, a candidate's
// variations stay nearer to it than fresh candidates are, the nearer the lower the strength,
// on every sampler; a seed gives the same variations; a strength outside the contract's range
// is refused in its words before any inference. The nearness is measured between latents: the
// tiny model's decoder is barely trained (it draws nearly the same picture from any latent, 45
// of 255 apart), so its pixels cannot show it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { REQUEST_LIMITS } from '../../src/core/contract.js';
import { EngineInputError, loadEngine, type Engine } from '../../src/engine/index.js';
import { readModelFolder } from '../../src/engine/model-folder.js';
import { stepsToSkip } from '../../src/engine/pipelines/sdedit.js';
import { textToImage } from '../../src/engine/pipelines/text-to-image.js';
import { fromPixels } from '../../src/engine/pixels.js';
import { fillGaussian } from '../../src/engine/rng.js';
import { ModelRuntime } from '../../src/engine/runtime.js';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';

const PROMPT = 'a red circle moving right on a black background';

/** Mean absolute difference between each of a batch's latents and `source`'s. */
function latentDistance(batch: Float32Array, source: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < batch.length; i++) sum += Math.abs(batch[i]! - source[i % source.length]!);
  return sum / batch.length;
}

/** Four candidates' unit noise from seeds seed..seed+3, as the candidates job draws it. */
function candidateNoise(runtime: ModelRuntime, seed: number): Float32Array {
  const { channels, height, width } = runtime.manifest.latent;
  const size = channels * height * width;
  const noise = new Float32Array(4 * size);
  for (let i = 0; i < 4; i++) fillGaussian(noise.subarray(i * size, (i + 1) * size), seed + i);
  return noise;
}

describe('SDEdit in the text-to-image pipeline', { skip: missingFixtures() ?? false }, () => {
  let runtime: ModelRuntime;
  before(async () => {
    runtime = await ModelRuntime.open(readModelFolder(TINY_MODEL_DIR), {
      provider: 'cpu',
      intraOpThreads: 1,
      interOpThreads: 1,
    });
  });
  after(async () => {
    await runtime?.close();
  });

  for (const scheduler of ['ddim', 'euler', 'dpmpp_2m'] as const) {
    test(`${scheduler}: variations are nearer the source than fresh candidates, nearer at low strength`, async () => {
      const settings = { prompt: PROMPT, scheduler, steps: 10, guidance: 3, guidanceRescale: 0 };
      const source = await textToImage(runtime, { ...settings, noise: candidateNoise(runtime, 7) });
      const pixels = source.pixels.subarray(0, 64 * 64 * 3);
      const sourceLatent = await runtime.encodeImage(fromPixels(pixels, 1, 64, 64), 1);
      const noise = candidateNoise(runtime, 1000);
      const fresh = await textToImage(runtime, { ...settings, noise });
      const freshDistance = latentDistance(fresh.latents, sourceLatent);
      const byStrength: number[] = [];
      for (const strength of [0.3, 0.6, 0.9]) {
        const varied = await textToImage(runtime, {
          ...settings,
          noise,
          init: { pixels, strength },
        });
        byStrength.push(latentDistance(varied.latents, sourceLatent));
      }
      const [low, middle, high] = byStrength as [number, number, number];
      assert.ok(low < middle && middle < high, `not nearer at lower strength: ${byStrength}`);
      assert.ok(
        high < freshDistance,
        `strength 0.9 (${high}) not nearer than fresh (${freshDistance})`,
      );
    });
  }
});

describe('variations through the engine', { skip: missingFixtures() ?? false }, () => {
  let engine: Engine;
  before(async () => {
    engine = await loadEngine(TINY_MODEL_DIR, { intraOpThreads: 1 });
  });
  after(async () => {
    await engine?.close();
  });

  test('a strength that rounds to no step still runs one; 1 runs them all', () => {
    assert.equal(stepsToSkip(10, 0.6), 4);
    assert.equal(stepsToSkip(4, 0.1), 3);
    assert.equal(stepsToSkip(8, 1), 0);
  });

  test('variations are the same for the same seeds, and differ between seeds', async () => {
    const options = { prompt: PROMPT, steps: 6 };
    const source = (await engine.generateCandidates({ ...options, seed: 3 })).candidates[2]!;
    const init = { image: source.png };
    const first = await engine.generateCandidates({ ...options, seed: 40, init });
    const again = await engine.generateCandidates({ ...options, seeds: [40, 41, 42, 43], init });
    assert.equal(first.settings.strength, 0.6, 'the default strength');
    first.candidates.forEach((candidate, i) => {
      assert.ok(candidate.png.equals(again.candidates[i]!.png), `variation ${i + 1} changed`);
    });
    assert.ok(!first.candidates[0]!.png.equals(first.candidates[1]!.png), 'seeds ignored');
    const fresh = await engine.generateCandidates({ ...options, seed: 40 });
    assert.ok(!first.candidates[0]!.png.equals(fresh.candidates[0]!.png), 'init ignored');
  });

  test('a strength out of range or an unreadable image is refused before inference', async () => {
    const { min, max } = REQUEST_LIMITS.strength;
    for (const strength of [0.1, 0.95, Number.NaN]) {
      await assert.rejects(
        engine.generateCandidates({ prompt: PROMPT, init: { image: new Uint8Array(8), strength } }),
        (error: unknown) =>
          error instanceof EngineInputError &&
          error.message.includes(`strength must be a number from ${min} to ${max}`),
      );
    }
    await assert.rejects(
      engine.generateCandidates({ prompt: PROMPT, init: { image: new Uint8Array([1, 2, 3]) } }),
      (error: unknown) =>
        error instanceof EngineInputError && /image is not a readable/.test(error.message),
    );
  });
});
