// Bad requests fail with EngineInputError naming the problem and what is allowed, before
// any inference (no progress event is ever reported).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import {
  EngineInputError,
  loadEngine,
  type AnimateRequest,
  type CandidatesRequest,
  type Engine,
} from '../../src/engine/index.js';
import { readModelFolder } from '../../src/engine/model-folder.js';
import { checkPrompt, requestLimitsOf } from '../../src/engine/requests.js';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';
import { pngBomb, solidPng } from './helpers/images.js';

const PROMPT = 'a red circle moving right on a black background';

describe('bad input', { skip: missingFixtures() ?? false }, () => {
  let engine: Engine;
  let progressEvents = 0;
  const onProgress = () => progressEvents++;

  before(async () => {
    engine = await loadEngine(TINY_MODEL_DIR, {
      useWorker: false,
      intraOpThreads: 1,
      maxUploadBytes: 64 * 1024,
    });
  });
  after(async () => {
    await engine?.close();
    assert.equal(progressEvents, 0, 'a bad request reached inference');
  });

  async function rejectsCandidates(
    request: Partial<CandidatesRequest>,
    field: string,
    message: RegExp,
  ) {
    await assert.rejects(
      engine.generateCandidates({ prompt: PROMPT, steps: 2, onProgress, ...request }),
      (error: unknown) => {
        assert.ok(error instanceof EngineInputError, `not an EngineInputError: ${String(error)}`);
        assert.equal(error.field, field);
        assert.match(error.message, message);
        return true;
      },
    );
  }

  async function rejectsAnimate(request: Partial<AnimateRequest>, field: string, message: RegExp) {
    const image = await solidPng(64, 64, [0, 0, 0]);
    await assert.rejects(
      engine.animate({ prompt: PROMPT, steps: 2, image, onProgress, ...request }),
      (error) => {
        assert.ok(error instanceof EngineInputError, `not an EngineInputError: ${String(error)}`);
        assert.equal(error.field, field);
        assert.match(error.message, message);
        return true;
      },
    );
  }

  test('empty prompt', async () => {
    await rejectsCandidates({ prompt: '' }, 'prompt', /prompt is empty/);
    await rejectsCandidates({ prompt: '   ' }, 'prompt', /prompt is empty/);
  });

  test('over-long prompt (characters and words)', async () => {
    await rejectsCandidates(
      { prompt: 'a '.repeat(300) },
      'prompt',
      /too long: 600 characters \(at most 200\)/,
    );
    const words = Array.from({ length: 8 }, () => 'a red circle').join(' ');
    const tooMany = `${words} and`;
    await rejectsCandidates({ prompt: tooMany }, 'prompt', /too long: 25 words \(at most 24\)/);
  });

  test('unknown words are named and the known words listed', async () => {
    await rejectsCandidates(
      { prompt: 'a red dragon flying on a black background' },
      'prompt',
      /"dragon", "flying"/,
    );
    await rejectsCandidates(
      { prompt: 'a red dragon on a black background' },
      'prompt',
      /known words: .*circle.*triangle/,
    );
  });

  test('steps, guidance, seeds and scheduler out of range', async () => {
    await rejectsCandidates({ steps: 0 }, 'steps', /from 1 to 50/);
    await rejectsCandidates({ steps: 51 }, 'steps', /from 1 to 50 \(got 51\)/);
    await rejectsCandidates({ steps: 2.5 }, 'steps', /whole number/);
    await rejectsCandidates({ guidance: -1 }, 'guidance', /from 0 to 20/);
    await rejectsCandidates({ guidance: Number.NaN }, 'guidance', /must be a number/);
    await rejectsCandidates({ guidanceRescale: 1.5 }, 'guidanceRescale', /from 0 to 1/);
    await rejectsCandidates({ seed: -1 }, 'seed', /from 0 to 2147483647/);
    await rejectsCandidates({ seed: 2 ** 31 }, 'seed', /from 0 to 2147483647/);
    await rejectsCandidates({ seeds: [1, 2, 3] }, 'seeds', /exactly 4 seeds/);
    await rejectsCandidates({ seeds: [1, 2, 3, 0.5] }, 'seeds[3]', /whole number/);
    await rejectsCandidates({ scheduler: 'plms' }, 'scheduler', /allowed: dpmpp_2m, ddim, euler/);
    await rejectsAnimate({ imageGuidance: 25 }, 'imageGuidance', /from 0 to 20/);
    await rejectsAnimate({ eta: 1.5 }, 'eta', /eta must be a number from 0 to 1 \(got 1.5\)/);
    await rejectsAnimate(
      { scheduler: 'dpmpp_2m', eta: 0.5 },
      'eta',
      /eta applies only to the ddim scheduler; the video runs dpmpp_2m/,
    );
    await rejectsCandidates(
      { scheduler: 'euler', eta: 0.5 },
      'eta',
      /eta applies only to the ddim scheduler; the first frames run euler/,
    );
  });

  test('an upload that is not an image', async () => {
    await rejectsAnimate(
      { image: Buffer.from('this is not an image') },
      'image',
      /not a readable PNG, JPEG, WebP file/,
    );
    await rejectsAnimate({ image: new Uint8Array(0) }, 'image', /image is empty/);
  });

  test('an image of another type', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } })
      .gif()
      .toBuffer();
    await rejectsAnimate({ image: gif }, 'image', /image is gif; allowed: PNG, JPEG/);
  });

  test('an upload over the byte limit', async () => {
    const noisy = await sharp(
      Buffer.from(Array.from({ length: 300 * 300 * 3 }, (_, i) => (i * 7919) % 251)),
      {
        raw: { width: 300, height: 300, channels: 3 },
      },
    )
      .png({ compressionLevel: 0 })
      .toBuffer();
    assert.ok(noisy.byteLength > 64 * 1024);
    await rejectsAnimate({ image: noisy }, 'image', /at most 64 KiB is allowed/);
  });

  test('a decompression bomb is refused from its header', async () => {
    const bomb = pngBomb(50_000, 50_000);
    assert.ok(bomb.byteLength < 64 * 1024, `bomb is ${bomb.byteLength} bytes`);
    await rejectsAnimate(
      { image: bomb },
      'image',
      /50000x50000 pixels; each side must be 1 to 4096/,
    );
  });
});

describe('prompt clean-up', { skip: missingFixtures() ?? false }, () => {
  test('punctuation is dropped and case ignored; the words must still be known', () => {
    const limits = requestLimitsOf(readModelFolder(TINY_MODEL_DIR));
    assert.equal(
      checkPrompt('  A Big GREEN cross, growing on a white background! ', limits),
      'A Big GREEN cross growing on a white background',
    );
    assert.throws(() => checkPrompt('?!', limits), /prompt has no words/);
    assert.throws(() => checkPrompt('a red-dragon.', limits), /does not know "dragon"/);
  });
});
