// Parity of the masked uses with the PyTorch reference (docs/model-format.md, "Masked uses"), on
// the tiny model trained with the mask mix (test/fixtures/masked-model; fixtures written by
// training/tools/masked_fixtures.py): interpolation window by window, continuation, and
// image-to-video with DDIM eta 0.5 fed the step noise the reference drew; then interpolation and
// continuation again on a copy of the model with a vae_video_decoder (parity-masked/video-decoder:
// its per-frame decoder plus seeded temporal weights), decoded as PyTorch decodes them.
// Tolerances as parity.test.ts (sampled latents 2e-3, abs or relative above 1; pixels 1 level),
// except the VAE encoder's: this model's vae_encoder differs from PyTorch's by up to 7.3e-4 on the
// component case's scaled latents (tiny-model's: 2.7e-5; the same with onnxruntime's graph
// optimisations off) and 2.0e-3 on the given frames' (which are its output), so those are held to
// 1e-3 and 5e-3; the sampled frames keep 2e-3 (measured about 1e-5).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readModelFolder } from '../../src/engine/model-folder.js';
import { imageToVideo } from '../../src/engine/pipelines/image-to-video.js';
import {
  continueVideo,
  interpolateVideo,
  interpolationWindows,
  type WindowNoise,
} from '../../src/engine/pipelines/masked-video.js';
import { ModelRuntime } from '../../src/engine/runtime.js';
import type { SchedulerName } from '../../src/engine/schedulers/index.js';
import {
  MASKED_MODEL_DIR,
  MASKED_PARITY_DIR,
  componentErrors,
  maxAbsDiff,
  maxScaledDiff,
  missingFixtures,
  readFloat32,
  readParity,
  readUint8,
  type ComponentCases,
  type TensorRef,
} from './helpers/fixtures.js';

const TOLERANCE = { component: 1e-4, encoder: 1e-3, given: 5e-3, sampling: 2e-3, pixel: 1 };

interface Sampling {
  prompt: string;
  scheduler: SchedulerName;
  eta: number;
  num_inference_steps: number;
  guidance_scale: number;
  image_guidance_scale: number;
  guidance_rescale: number;
}

interface MaskedParity {
  components: ComponentCases;
  interpolation_windows: { n: number; width: number; starts: number[] }[];
  interpolate: Sampling & {
    window_frames: number;
    windows: number[];
    frames_uint8: TensorRef;
    noise: TensorRef;
    latents: TensorRef;
    out_frames_uint8: TensorRef;
  };
  continue: Sampling & {
    window_frames: number;
    context_frames: number;
    frames_uint8: TensorRef;
    noise: TensorRef;
    latents: TensorRef;
    new_frames_uint8: TensorRef;
  };
  image_to_video_eta: Sampling & {
    image_uint8: TensorRef;
    noise: TensorRef;
    step_noise: TensorRef;
    latents: TensorRef;
    frames_uint8: TensorRef;
  };
}

const float32 = (ref: TensorRef) => readFloat32(ref, MASKED_PARITY_DIR);
const uint8 = (ref: TensorRef) => readUint8(ref, MASKED_PARITY_DIR);

const VIDEO_DECODER_DIR = join(MASKED_PARITY_DIR, 'video-decoder');

interface VideoDecoderFixture {
  component: Record<string, unknown>;
  interpolate_out_frames_uint8: TensorRef;
  continue_new_frames_uint8: TensorRef;
}

/** A copy of the masked model with the fixture's vae_video_decoder in its manifest. */
function maskedModelWithVideoDecoder(dir: string): VideoDecoderFixture {
  const fixture = JSON.parse(
    readFileSync(join(VIDEO_DECODER_DIR, 'fixture.json'), 'utf8'),
  ) as VideoDecoderFixture;
  cpSync(MASKED_MODEL_DIR, dir, { recursive: true });
  cpSync(join(VIDEO_DECODER_DIR, 'vae_video_decoder'), join(dir, 'vae_video_decoder'), {
    recursive: true,
  });
  const indexPath = join(dir, 'model_index.json');
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as {
    components: Record<string, unknown>;
  };
  index.components.vae_video_decoder = fixture.component;
  writeFileSync(indexPath, JSON.stringify(index, null, 2));
  return fixture;
}

const openOnOneThread = (dir: string) =>
  ModelRuntime.open(readModelFolder(dir), {
    provider: 'cpu',
    intraOpThreads: 1,
    interOpThreads: 1,
  });

/** Hands out `count`-sized pieces of `all` in order: the noise the reference drew, in its order. */
function inOrder(all: Float32Array, size: number): () => Float32Array {
  let next = 0;
  return () => {
    if ((next + 1) * size > all.length) throw new Error('the reference drew less noise');
    return all.subarray(next++ * size, next * size);
  };
}

/** Max scaled error of latents [1, C, F, h, w] at the given frames and at the sampled ones. */
function errorsByFrame(
  actual: Float32Array,
  expected: Float32Array,
  frames: number,
  given: (frame: number) => boolean,
): { given: number; sampled: number } {
  const plane = 16 * 16; // h x w of the tiny models' latents
  const errors = { given: 0, sampled: 0 };
  // [1, C, F, h, w]: frame f of channel c is the (c * F + f)-th plane.
  for (let at = 0; at < actual.length; at += plane) {
    const kind = given(Math.floor(at / plane) % frames) ? 'given' : 'sampled';
    const error = maxScaledDiff(actual.subarray(at, at + plane), expected.subarray(at, at + plane));
    errors[kind] = Math.max(errors[kind], error);
  }
  return errors;
}

function assertLatents(
  t: { diagnostic: (message: string) => void },
  name: string,
  errors: { given: number; sampled: number },
): void {
  t.diagnostic(
    `${name}: latents at given frames ${errors.given.toExponential(2)}, ` +
      `sampled frames ${errors.sampled.toExponential(2)}`,
  );
  assert.ok(errors.given <= TOLERANCE.given, `${name}: given frames' error ${errors.given}`);
  assert.ok(
    errors.sampled <= TOLERANCE.sampling,
    `${name}: sampled frames' error ${errors.sampled}`,
  );
}

const samplingOf = (c: Sampling) => ({
  prompt: c.prompt,
  scheduler: c.scheduler,
  eta: c.eta,
  steps: c.num_inference_steps,
  guidance: c.guidance_scale,
  imageGuidance: c.image_guidance_scale,
  guidanceRescale: c.guidance_rescale,
});

/** The interpolate case through the engine, fed the reference's noise in the order it drew it. */
async function runInterpolate(runtime: ModelRuntime, c: MaskedParity['interpolate']) {
  const F = c.window_frames;
  const { latent } = runtime.manifest;
  const input = uint8(c.frames_uint8);
  const frames = input.length / frameBytes(runtime);
  assert.deepEqual(interpolationWindows(frames, F / 2), c.windows);
  const draw = inOrder(float32(c.noise), F * latent.channels * latent.height * latent.width);
  const windowsSeen: number[] = [];
  const steps: [number, number][] = [];
  const result = await interpolateVideo(
    runtime,
    { pixels: input, frames },
    {
      ...samplingOf(c),
      windowFrames: F,
      noise: (window): WindowNoise => {
        windowsSeen.push(window);
        return { initial: draw(), steps: { next: draw } };
      },
    },
    { onStep: (step, total) => steps.push([step, total]) },
  );
  return { result, frames, windowsSeen, steps };
}

/** The continue case through the engine, from the reference's noise. */
function runContinue(runtime: ModelRuntime, c: MaskedParity['continue']) {
  const input = uint8(c.frames_uint8);
  return continueVideo(
    runtime,
    { pixels: input, frames: input.length / frameBytes(runtime) },
    c.context_frames,
    {
      ...samplingOf(c),
      windowFrames: c.window_frames,
      noise: () => ({ initial: float32(c.noise) }),
    },
  );
}

const frameBytes = (runtime: ModelRuntime) =>
  runtime.manifest.image.height * runtime.manifest.image.width * 3;

/** Mean |a - b| in levels: how far the video decoder moves frames from the per-frame decoder's. */
function meanChange(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe(
  'masked uses: parity with the PyTorch reference',
  { skip: missingFixtures('masked') ?? false },
  () => {
    let parity: MaskedParity;
    let runtime: ModelRuntime;

    before(async () => {
      parity = readParity<MaskedParity>(MASKED_PARITY_DIR);
      runtime = await openOnOneThread(MASKED_MODEL_DIR);
    });
    after(() => runtime?.close());

    test('the model lists the masks it was trained with', () => {
      assert.deepEqual(runtime.manifest.video_masks, ['first', 'interpolate', 'continue']);
    });

    test("each ONNX component (today's U-Net code)", async (t) => {
      for (const [name, error] of await componentErrors(
        runtime,
        parity.components,
        MASKED_PARITY_DIR,
      )) {
        t.diagnostic(`${name} max abs error ${error.toExponential(2)}`);
        const tolerance = name.startsWith('vae_encoder') ? TOLERANCE.encoder : TOLERANCE.component;
        assert.ok(error <= tolerance, `${name}: max error ${error}`);
      }
    });

    test('interpolation windows start where the reference starts them', () => {
      for (const { n, width, starts } of parity.interpolation_windows) {
        assert.deepEqual(interpolationWindows(n, width), starts, `n ${n}, width ${width}`);
      }
    });

    test('interpolate: 5 frames -> 9, two windows, DDIM eta 0.5', async (t) => {
      const c = parity.interpolate;
      const { result, frames, windowsSeen, steps } = await runInterpolate(runtime, c);
      const pixelError = maxAbsDiff(result.pixels, uint8(c.out_frames_uint8));
      t.diagnostic(`interpolate: pixels ${pixelError}`);
      assert.equal(result.frames, 2 * frames - 1);
      assert.deepEqual(windowsSeen, [0, 1]);
      assert.deepEqual(steps.at(-1), [4, 4], 'progress counts both windows');
      const even = (f: number) => f % 2 === 0;
      const errors = errorsByFrame(result.latents, float32(c.latents), result.frames, even);
      assertLatents(t, 'interpolate', errors);
      assert.ok(pixelError <= TOLERANCE.pixel, `pixel error ${pixelError}`);
    });

    test('continue: the last 3 of 4 frames -> 5 new frames, DPM-Solver++', async (t) => {
      const c = parity.continue;
      const result = await runContinue(runtime, c);
      const pixelError = maxAbsDiff(result.pixels, uint8(c.new_frames_uint8));
      t.diagnostic(`continue: pixels ${pixelError}`);
      assert.equal(result.frames, c.window_frames - c.context_frames);
      const given = (f: number) => f < c.context_frames;
      const errors = errorsByFrame(result.latents, float32(c.latents), c.window_frames, given);
      assertLatents(t, 'continue', errors);
      assert.ok(pixelError <= TOLERANCE.pixel, `pixel error ${pixelError}`);
    });

    test('image-to-video with DDIM eta 0.5 (the shipped video sampler)', async (t) => {
      const c = parity.image_to_video_eta;
      const stepNoise = inOrder(float32(c.step_noise), float32(c.noise).length);
      const result = await imageToVideo(runtime, {
        ...samplingOf(c),
        firstFrame: uint8(c.image_uint8),
        noise: float32(c.noise),
        stepNoise: { next: stepNoise },
      });
      const latentError = maxScaledDiff(result.latents, float32(c.latents));
      const pixelError = maxAbsDiff(result.pixels, uint8(c.frames_uint8));
      t.diagnostic(
        `i2v ddim eta ${c.eta}: latents ${latentError.toExponential(2)}, pixels ${pixelError}`,
      );
      assert.ok(latentError <= TOLERANCE.sampling, `latents error ${latentError}`);
      assert.ok(pixelError <= TOLERANCE.pixel, `pixel error ${pixelError}`);
    });
  },
);

describe(
  'masked uses through a vae_video_decoder: parity with the PyTorch reference',
  { skip: missingFixtures('masked') ?? false },
  () => {
    let dir: string;
    let fixture: VideoDecoderFixture;
    let parity: MaskedParity;
    let runtime: ModelRuntime;

    before(async () => {
      parity = readParity<MaskedParity>(MASKED_PARITY_DIR);
      dir = mkdtempSync(join(tmpdir(), 'firstframe-masked-video-decoder-'));
      fixture = maskedModelWithVideoDecoder(join(dir, 'model'));
      runtime = await openOnOneThread(join(dir, 'model'));
    });
    after(async () => {
      await runtime?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    // The latents are sampled as without the decoder (asserted above); only the frames change. The
    // fixture's temporal weights are far from the identity: per-frame frames would fail by far.
    test('interpolate: the 9 frames decoded together', async (t) => {
      assert.equal(runtime.hasVideoDecoder, true);
      const { result } = await runInterpolate(runtime, parity.interpolate);
      const want = readUint8(fixture.interpolate_out_frames_uint8, VIDEO_DECODER_DIR);
      const pixelError = maxAbsDiff(result.pixels, want);
      const change = meanChange(want, uint8(parity.interpolate.out_frames_uint8));
      t.diagnostic(
        `interpolate: pixels ${pixelError}, mean change from per-frame ${change.toFixed(1)}`,
      );
      assert.ok(change > 5, 'the fixture decoder is too close to the per-frame decoder to tell');
      assert.ok(pixelError <= TOLERANCE.pixel, `pixel error ${pixelError}`);
    });

    test('continue: the window decoded together, its new frames kept', async (t) => {
      const result = await runContinue(runtime, parity.continue);
      const want = readUint8(fixture.continue_new_frames_uint8, VIDEO_DECODER_DIR);
      const pixelError = maxAbsDiff(result.pixels, want);
      const change = meanChange(want, uint8(parity.continue.new_frames_uint8));
      t.diagnostic(
        `continue: pixels ${pixelError}, mean change from per-frame ${change.toFixed(1)}`,
      );
      assert.ok(change > 5, 'the fixture decoder is too close to the per-frame decoder to tell');
      assert.ok(pixelError <= TOLERANCE.pixel, `pixel error ${pixelError}`);
    });
  },
);
