// Variations through the queue's payload and the ONNX adapter: a candidates job may carry the
// candidate it varies (`init`), its strength checked in the contract's words before it reaches
// Redis; the adapter hands the image to the engine, whose variations differ from a fresh round
// of the same seeds and repeat for them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEngine } from '../../src/adapters/onnx/onnx-engine.js';
import type { GenerationEngine } from '../../src/queue/engine-port.js';
import { parsePayload } from '../../src/queue/payloads.js';
import { TINY_MODEL_DIR } from '../../src/wiring/model.js';

const job = {
  generationId: 'g1',
  prompt: 'a red circle',
  round: 2,
  seeds: [8, 9, 10, 11],
  init: { imageKey: 'generations/g1/round-1/candidate-3.png', strength: 0.5 },
};

test('a candidates payload carries its init; a strength out of range is refused', () => {
  assert.deepEqual(parsePayload('candidates', job).init, job.init);
  const { init: _init, ...fresh } = job;
  assert.equal(parsePayload('candidates', fresh).init, undefined);
  assert.throws(
    () => parsePayload('candidates', { ...job, init: { ...job.init, strength: 1 } }),
    /strength must be a number from 0\.3 to 0\.9 \(got 1\)/,
  );
  assert.throws(() => parsePayload('candidates', { ...job, init: { strength: 0.5 } }), /imageKey/);
});

let engine: GenerationEngine;
before(async () => {
  engine = await createEngine({ modelDir: TINY_MODEL_DIR, threads: 1 });
});
after(async () => {
  await engine?.close();
});

test('the ONNX adapter makes variations of the image it is given', async () => {
  const request = { prompt: 'a red circle', steps: 4, seeds: [8, 9, 10, 11] };
  const source = await engine.generateCandidates({ ...request, seeds: [1, 2, 3, 4] });
  const init = { image: source.candidates[2]!, strength: 0.5 };
  const fresh = await engine.generateCandidates(request);
  const varied = await engine.generateCandidates({ ...request, init });
  const again = await engine.generateCandidates({ ...request, init });
  assert.deepEqual(varied.seeds, request.seeds);
  varied.candidates.forEach((png, i) => {
    assert.ok(Buffer.from(png).equals(Buffer.from(again.candidates[i]!)), `${i + 1} changed`);
    assert.ok(!Buffer.from(png).equals(Buffer.from(fresh.candidates[i]!)), `${i + 1} ignores init`);
  });
  await assert.rejects(
    engine.generateCandidates({ ...request, init: { ...init, strength: 0.2 } }),
    /strength must be a number from 0\.3 to 0\.9/,
  );
});
