// --fps: a request may ask for the model's own frame rate, or twice it where its video model
// interpolates (`video_masks` with "interpolate"); anything else is refused naming the rates the
// model makes, in the command, in the queue's payload check, and in the ONNX adapter.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseCommand } from '../../src/core/commands/index.js';
import { fpsProblem, REQUEST_LIMITS } from '../../src/core/contract.js';
import { createEngine } from '../../src/adapters/onnx/onnx-engine.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GenerationEngine } from '../../src/queue/engine-port.js';
import { parsePayload, payloadSchemasFor } from '../../src/queue/payloads.js';
import { modelRequestLimits, TINY_MODEL_DIR } from '../../src/wiring/model.js';
import { probeVideo } from '../engine/helpers/probe.js';
import { MASKED_MODEL_DIR } from '../engine/helpers/fixtures.js';

const tiny = modelRequestLimits(TINY_MODEL_DIR);
const masked = modelRequestLimits(MASKED_MODEL_DIR);

test('the rates a model makes: its fps, and twice it only when it interpolates', () => {
  assert.deepEqual(tiny.fpsMade, [8]);
  assert.deepEqual(masked.fpsMade, [8, 16]);
  assert.equal(fpsProblem(16, REQUEST_LIMITS), undefined, 'any model: the engine decides');
  assert.equal(
    fpsProblem(16, tiny),
    'this model cannot make 16 fps videos: it makes 8 fps (16 needs a video model trained to interpolate)',
  );
  assert.equal(
    fpsProblem(12, masked),
    'this model cannot make 12 fps videos: it makes 8 or 16 fps',
  );
  assert.equal(fpsProblem(0, masked), 'fps must be a whole number from 1 to 60 (got 0)');
});

test('/video --fps: accepted where the model makes it, refused with the rates it makes', () => {
  const accepted = parseCommand('/video a red circle --fps 16', { limits: masked });
  assert.ok(accepted.ok && accepted.command.kind === 'video');
  assert.equal(accepted.command.request.fps, 16);
  const own = parseCommand('/video a red circle --fps=8', { limits: tiny });
  assert.ok(own.ok && own.command.kind === 'video' && own.command.request.fps === 8);
  const refused = parseCommand('/video a red circle --fps 16', { limits: tiny });
  assert.ok(!refused.ok);
  assert.match(refused.error, /this model cannot make 16 fps videos: it makes 8 fps/);
  const typo = parseCommand('/video a red circle --fps fast', { limits: masked });
  assert.ok(!typo.ok);
  assert.match(typo.error, /fps must be a whole number from 1 to 60 \(got "fast"\)/);
});

test("the queue's animation payload carries fps and checks it against the model", () => {
  const payload = {
    generationId: 'g1',
    prompt: 'a red circle',
    imageKey: 'generations/g1/first-frame.png',
    seed: 3,
    fps: 16,
  };
  assert.equal(parsePayload('animation', payload, payloadSchemasFor(masked)).fps, 16);
  assert.throws(
    () => parsePayload('animation', payload, payloadSchemasFor(tiny)),
    /this model cannot make 16 fps videos: it makes 8 fps/,
  );
});

let engines: GenerationEngine[] = [];
let dir: string;
before(async () => {
  engines = await Promise.all(
    [MASKED_MODEL_DIR, TINY_MODEL_DIR].map((modelDir) => createEngine({ modelDir, threads: 1 })),
  );
  dir = mkdtempSync(path.join(tmpdir(), 'ff-fps-'));
});
after(async () => {
  await Promise.all(engines.map((engine) => engine.close()));
  rmSync(dir, { recursive: true, force: true });
});

test(
  'the ONNX adapter makes --fps 16 by interpolation: 2F - 1 frames at 16 fps',
  { timeout: 120_000 },
  async () => {
    const [maskedEngine, tinyEngine] = engines as [GenerationEngine, GenerationEngine];
    const frame = await maskedEngine.generateCandidates({
      prompt: 'a red circle',
      seeds: [1, 2, 3, 4],
      steps: 1,
    });
    const request = { prompt: 'a red circle', image: frame.candidates[0]!, seed: 5, steps: 1 };
    const smooth = await maskedEngine.animate({ ...request, fps: 16 });
    const plain = await maskedEngine.animate({ ...request, fps: 8 });
    const probe = (name: string, mp4: Uint8Array) => {
      const file = path.join(dir, name);
      writeFileSync(file, mp4);
      const rate = execFileSync(
        'ffprobe',
        [
          '-v',
          'error',
          '-select_streams',
          'v:0',
          '-show_entries',
          'stream=r_frame_rate',
          '-of',
          'csv=p=0',
          file,
        ],
        { encoding: 'utf8' },
      ).trim();
      return { frames: probeVideo(file).frames, fps: rate };
    };
    const fast = probe('16.mp4', smooth.mp4);
    const slow = probe('8.mp4', plain.mp4);
    assert.equal(slow.frames, 16);
    assert.equal(fast.frames, 31);
    assert.equal(fast.fps, '16/1');
    assert.equal(slow.fps, '8/1');
    await assert.rejects(tinyEngine.animate({ ...request, fps: 16 }), (error: Error) => {
      assert.equal(error.name, 'EngineInputError');
      assert.match(
        error.message,
        /it makes 8 fps \(16 needs a video model trained to interpolate\)/,
      );
      return true;
    });
  },
);
