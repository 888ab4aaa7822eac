// A negative prompt replaces the empty caption in classifier-free guidance, so it changes what
// the model draws; the queue's engine adapter passes it through (it used to drop it).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/adapters/onnx/onnx-engine.js';
import { candidateSeeds } from '../../src/core/contract.js';
import type { GenerationEngine } from '../../src/queue/engine-port.js';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';

describe('negative prompts on the tiny model', { skip: missingFixtures() ?? false }, () => {
  let engine: GenerationEngine;
  before(async () => {
    engine = await createEngine({ modelDir: TINY_MODEL_DIR, threads: 1 });
  });
  after(() => engine?.close());

  const draw = (negativePrompt?: string) =>
    engine.generateCandidates({
      prompt: 'a red circle moving right on a black background',
      seeds: candidateSeeds(7),
      steps: 2,
      ...(negativePrompt === undefined ? {} : { negativePrompt }),
    });

  test('the candidates change with a negative prompt, and only with one', async () => {
    const plain = await draw();
    const again = await draw('');
    const negative = await draw('red');
    assert.deepEqual(negative.seeds, plain.seeds, 'the same seeds');
    plain.candidates.forEach((png, i) => {
      assert.ok(Buffer.from(png).equals(Buffer.from(again.candidates[i]!)), 'empty = none');
      assert.ok(
        !Buffer.from(png).equals(Buffer.from(negative.candidates[i]!)),
        `candidate ${i + 1}`,
      );
    });
  });

  test('the video changes with a negative prompt too', async () => {
    const { candidates } = await draw();
    const animate = (negativePrompt?: string) =>
      engine.animate({
        prompt: 'a red circle moving right on a black background',
        image: candidates[0]!,
        seed: 3,
        steps: 2,
        ...(negativePrompt === undefined ? {} : { negativePrompt }),
      });
    const [plain, negative] = [await animate(), await animate('blue square')];
    assert.ok(!Buffer.from(plain.gif).equals(Buffer.from(negative.gif)));
  });
});
