// The queue's engine adapter with several engines: jobs given at once run at once (their
// steps interleave, one job per engine), and with one engine they run one after the other.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEngine } from '../../src/adapters/onnx/onnx-engine.js';
import { candidateSeeds } from '../../src/core/contract.js';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';

/** Two candidate jobs given at once; whose step each progress report was, in order. */
async function twoJobs(engines: number): Promise<string> {
  const engine = await createEngine({ modelDir: TINY_MODEL_DIR, threads: 1, engines });
  let steps = '';
  const job = (name: string) =>
    engine.generateCandidates({
      prompt: 'a red circle',
      seeds: candidateSeeds(1),
      steps: 10,
      onProgress: () => (steps += name),
    });
  try {
    await Promise.all([job('a'), job('b')]);
  } finally {
    await engine.close();
  }
  return steps;
}

describe('engine pool', { skip: missingFixtures() ?? false }, () => {
  test('two engines run two jobs at once', async () => {
    const steps = await twoJobs(2);
    assert.equal(steps.length, 20);
    assert.ok(steps.indexOf('b') < steps.lastIndexOf('a'), steps);
  });

  test('one engine runs them one after the other', async () => {
    assert.equal(await twoJobs(1), 'a'.repeat(10) + 'b'.repeat(10));
  });
});
