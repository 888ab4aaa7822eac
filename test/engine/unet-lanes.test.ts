// U-Net calls split by batch across threads (src/engine/unet-lanes.ts): how a batch is cut, that
// a helper thread's rows land where they belong, and that an engine with two lanes draws what an
// engine with one draws.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import type { Session } from '../../src/engine/backend.js';
import { loadEngine } from '../../src/engine/index.js';
import { readModelFolder } from '../../src/engine/model-folder.js';
import { resolveEngineOptions, unetLanesOf } from '../../src/engine/options.js';
import { ModelRuntime } from '../../src/engine/runtime.js';
import { UnetLanes, laneSizes } from '../../src/engine/unet-lanes.js';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';

describe('lane sizes', () => {
  test('as even as possible, larger slices first, never an empty one', () => {
    assert.deepEqual(laneSizes(8, 2), [4, 4]);
    assert.deepEqual(laneSizes(3, 2), [2, 1]);
    assert.deepEqual(laneSizes(8, 3), [3, 3, 2]);
    assert.deepEqual(laneSizes(2, 4), [1, 1]);
    assert.deepEqual(laneSizes(5, 1), [5]);
  });

  test('lanes follow the threads on the CPU, never on a GPU', () => {
    const lanes = (over: object) => unetLanesOf(resolveEngineOptions(over));
    assert.equal(lanes({}), 1);
    assert.equal(lanes({ intraOpThreads: 2 }), 2);
    assert.equal(lanes({ intraOpThreads: 0 }), 1, 'onnxruntime chooses: no split');
    assert.equal(lanes({ intraOpThreads: 64 }), 8, 'at most the 8 rows of a candidates call');
    assert.equal(lanes({ intraOpThreads: 2, unetLanes: 1 }), 1);
    assert.equal(lanes({ intraOpThreads: 1, unetLanes: 3 }), 3);
    assert.equal(lanes({ provider: 'cuda', intraOpThreads: 2 }), 1);
  });

  test("derived lanes balance a call's rows over the threads", () => {
    const lanes = (threads: number, rows: number, unetLanes = 0) =>
      unetLanesOf(resolveEngineOptions({ intraOpThreads: threads, unetLanes }), rows);
    assert.equal(lanes(2, 3), 3, 'a video call: 1 row per lane beats slices of 2 and 1');
    assert.equal(lanes(2, 8), 2, 'candidates: 4 and 4 already even');
    assert.equal(lanes(4, 6), 6);
    assert.equal(lanes(4, 8), 4);
    assert.equal(lanes(3, 8), 4, '2 rows a lane: 8/3 rows of time on 3 cores, not 3 (3, 3, 2)');
    assert.equal(lanes(1, 3), 1, 'one thread never splits');
    assert.equal(lanes(2, 3, 2), 2, 'unetLanes set: as set');
    assert.equal(unetLanesOf(resolveEngineOptions({ provider: 'cuda', intraOpThreads: 2 }), 3), 1);
    assert.throws(() => resolveEngineOptions({ unetLanes: -1 }), /unetLanes must be a whole/);
  });
});

describe('U-Net lanes on the tiny model', { skip: missingFixtures() ?? false }, () => {
  const folder = () => readModelFolder(TINY_MODEL_DIR);
  const { latent, text } = readModelFolder(TINY_MODEL_DIR).manifest;
  const batch = 5;
  const sampleDims = [latent.channels, latent.height, latent.width];
  const contextDims = [text.max_length, text.hidden_size];
  const call = {
    sample: Float32Array.from(
      { length: batch * latent.channels * latent.height * latent.width },
      (_, i) => Math.sin(i * 0.37),
    ),
    sampleDims,
    timesteps: Float32Array.from({ length: batch }, (_, i) => 100 + 150 * i),
    context: Float32Array.from({ length: batch * text.max_length * text.hidden_size }, (_, i) =>
      Math.cos(i * 0.11),
    ),
    contextDims,
  };

  test("a helper thread's rows are the U-Net's own rows, in their place", async () => {
    const runtime = await ModelRuntime.open(folder(), resolveEngineOptions({ intraOpThreads: 1 }));
    const whole = await runtime.unetImage(call.sample, call.timesteps, call.context);
    await runtime.close();
    const perRow = whole.length / batch;
    // This thread's session answers its rows with -7s: every other row must come from a helper.
    const local: Session = {
      inputs: [],
      outputs: [],
      run: async (feeds) => {
        const rows = feeds.timestep!.dims[0]!;
        return { out_sample: { data: new Float32Array(rows * perRow).fill(-7), dims: [rows] } };
      },
      release: async () => undefined,
    };
    const lanes = await UnetLanes.open(
      local,
      `${TINY_MODEL_DIR}/unet_image/model.onnx`,
      resolveEngineOptions({ intraOpThreads: 1 }),
      3,
    );
    try {
      const out = await lanes.run(call);
      assert.equal(out.length, whole.length);
      // Sizes [2, 2, 1]: rows 0-1 here, 2-3 in the first helper, 4 in the second.
      assert.ok(out.subarray(0, 2 * perRow).every((x) => x === -7));
      const theirs = out.subarray(2 * perRow);
      const expected = whole.subarray(2 * perRow);
      const worst = theirs.reduce((m, x, i) => Math.max(m, Math.abs(x - expected[i]!)), 0);
      assert.ok(worst < 1e-4, `helper rows differ from the whole call's by ${worst}`);
    } finally {
      await lanes.close();
    }
  });

  test('an engine with two lanes draws what an engine with one draws', async () => {
    const options = { useWorker: false } as const;
    const one = await loadEngine(TINY_MODEL_DIR, { ...options, intraOpThreads: 1 });
    const two = await loadEngine(TINY_MODEL_DIR, { ...options, intraOpThreads: 2 });
    try {
      const request = { prompt: 'a red circle moving right', steps: 3, seed: 11 };
      const [a, b] = [await one.generateCandidates(request), await two.generateCandidates(request)];
      for (const [i, candidate] of a.candidates.entries()) {
        const [pa, pb] = await Promise.all(
          [candidate.png, b.candidates[i]!.png].map((png) => sharp(png).raw().toBuffer()),
        );
        const worst = pa!.reduce((m, x, j) => Math.max(m, Math.abs(x - pb![j]!)), 0);
        assert.ok(worst <= 1, `candidate ${i + 1} differs by ${worst} levels`);
      }
      const video = { prompt: request.prompt, image: a.candidates[0]!.png, steps: 3, seed: 5 };
      const [va, vb] = [await one.animate(video), await two.animate(video)];
      assert.equal(vb.frames, va.frames);
      assert.ok(vb.mp4.length > 0);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
