// The video U-Net's sampling loop and decoding, shared by every use of unet_video: image-to-video
// (frame 0 given) and the masked uses (docs/model-format.md, "Masked uses": other frames given).
// Each step the U-Net sees three rows in one batch: (no text, no frames), (no text, frames),
// (text, frames); a row's conditioning channels hold the given frames' latents and the mask.
import { applyVideoGuidance } from '../guidance.js';
import { fromPixels, toPixels } from '../pixels.js';
import type { ModelRuntime } from '../runtime.js';
import { createScheduler, type SchedulerName } from '../schedulers/index.js';
import { throwIfCancelled, type StepHooks } from './hooks.js';
import { stepNoiseFor, type StepNoiseSource } from './step-noise.js';

/** The sampler and guidance of one video run. */
export interface VideoSampling {
  prompt: string;
  /** Caption of the unguided rows: guidance pushes away from it ("" = plain guidance, as trained). */
  negativePrompt?: string;
  scheduler: SchedulerName;
  /** DDIM's eta (0 = deterministic); with eta > 0 each step adds noise from `stepNoise`, or
   * else from a stream seeded with `stepNoiseSeed`. */
  eta?: number;
  stepNoiseSeed?: number;
  stepNoise?: StepNoiseSource;
  steps: number;
  guidance: number;
  imageGuidance: number;
  guidanceRescale: number;
}

/** Frames given to the model: scaled latents [1, C, F, h, w] (read only at `frames`). */
export interface GivenFrames {
  latents: Float32Array;
  /** Indices of the given frames, 0..F-1. */
  frames: readonly number[];
}

/** Rows of each video U-Net call: one per guidance term (see the top of this file). */
export const VIDEO_UNET_ROWS = 3;
/** Frames decoded per VAE call: bounds memory for long videos. */
const DECODE_CHUNK = 8;

/** Samples one F-frame window (F from the noise's length) with `given` frames; returns the final
 * scaled latents [1, C, F, h, w] as sampled (the given frames not yet put back). */
export async function sampleVideo(
  runtime: ModelRuntime,
  input: VideoSampling & { given: GivenFrames; noise: Float32Array },
  hooks: StepHooks = {},
): Promise<Float32Array> {
  const { latent, text } = runtime.manifest;
  const C = latent.channels;
  const plane = latent.height * latent.width;
  const frames = frameCount(runtime, input.noise);
  const videoSize = C * frames * plane;

  // 1. Encode the prompt: rows (no text, no text, text); "no text" is the negative prompt if any.
  throwIfCancelled(hooks);
  const contextSize = text.max_length * text.hidden_size;
  const encoded = await runtime.encodeText([input.negativePrompt ?? '', input.prompt]);
  const context = new Float32Array(VIDEO_UNET_ROWS * contextSize);
  context.set(encoded.subarray(0, contextSize), 0);
  context.set(encoded.subarray(0, contextSize), contextSize);
  context.set(encoded.subarray(contextSize), 2 * contextSize);

  // 2. Prepare latents and the fixed conditioning channels of the model input
  //    [B, 2C+1, F, h, w]: noisy latent (C), given frames' latents (C), mask (1).
  //    Row 0 has no frames (those C+1 channels stay zero).
  const scheduler = createScheduler(input.scheduler, runtime.folder.schedulerConfig, {
    eta: input.eta ?? 0,
  });
  scheduler.setTimesteps(input.steps);
  const stepNoise =
    (scheduler.stochastic ? input.stepNoise : undefined) ??
    stepNoiseFor(
      scheduler,
      input.stepNoiseSeed === undefined ? undefined : [input.stepNoiseSeed],
      videoSize,
    );
  const sample = input.noise.map((x) => x * scheduler.initNoiseSigma);
  const rowSize = (2 * C + 1) * frames * plane;
  const modelInput = new Float32Array(VIDEO_UNET_ROWS * rowSize);
  for (let row = 1; row < VIDEO_UNET_ROWS; row++) {
    for (const f of input.given.frames) {
      if (!Number.isInteger(f) || f < 0 || f >= frames) {
        throw new RangeError(`given frame ${f} is outside the window's 0..${frames - 1}`);
      }
      for (let c = 0; c < C; c++) {
        const at = (c * frames + f) * plane;
        modelInput.set(
          input.given.latents.subarray(at, at + plane),
          row * rowSize + videoSize + at,
        );
      }
      const mask = row * rowSize + (2 * C * frames + f) * plane;
      modelInput.fill(1, mask, mask + plane);
    }
  }
  const timesteps = new Float32Array(VIDEO_UNET_ROWS);
  const guided = new Float32Array(videoSize);

  // 3. Denoise.
  const total = scheduler.timesteps.length;
  for (const [index, t] of scheduler.timesteps.entries()) {
    throwIfCancelled(hooks);
    const scale = scheduler.modelInputScale(t);
    for (let row = 0; row < VIDEO_UNET_ROWS; row++) {
      const offset = row * rowSize;
      for (let i = 0; i < videoSize; i++) modelInput[offset + i] = sample[i]! * scale;
    }
    timesteps.fill(t);
    const v = await runtime.unetVideo(modelInput, frames, timesteps, context);
    applyVideoGuidance(v, guided, input.guidance, input.imageGuidance, input.guidanceRescale);
    scheduler.step(guided, t, sample, stepNoise?.next());
    hooks.onLatents?.(index + 1, sample);
    hooks.onStep?.(index + 1, total);
  }
  return sample;
}

/** The frame count F of a video latent [1, C, F, h, w] of this model. */
export function frameCount(runtime: ModelRuntime, video: Float32Array): number {
  const { channels, height, width } = runtime.manifest.latent;
  const frames = video.length / (channels * height * width);
  if (!Number.isInteger(frames) || frames < 1) {
    throw new RangeError(
      `video latents have ${video.length} values, not a multiple of ${channels * height * width}`,
    );
  }
  return frames;
}

/** RGB frames F x H x W x 3 -> scaled latents [1, C, F, h, w] (each frame as image-to-video's
 * first frame: vae_encoder(pixels) * scaling_factor). */
export async function encodeFrames(
  runtime: ModelRuntime,
  pixels: Uint8Array,
  frames: number,
): Promise<Float32Array> {
  const { latent, image } = runtime.manifest;
  const perFrame = await runtime.encodeImage(
    fromPixels(pixels, frames, image.height, image.width),
    frames,
  );
  return transposeFrames(perFrame, frames, latent.channels, latent.height * latent.width);
}

/** Scaled latents [1, C, F, h, w] -> RGB pixels F x H x W x 3: all frames at once when the model
 * has a temporal video decoder (with frame 0 set to `firstLatent` [1, C, h, w] when given, as
 * image-to-video does), else frame by frame. */
export async function decodeVideoLatents(
  runtime: ModelRuntime,
  latents: Float32Array,
  firstLatent?: Float32Array,
): Promise<Uint8Array> {
  const { latent, image } = runtime.manifest;
  const C = latent.channels;
  const plane = latent.height * latent.width;
  const frames = frameCount(runtime, latents);
  if (runtime.hasVideoDecoder) {
    let input = latents;
    if (firstLatent) {
      input = latents.slice();
      for (let c = 0; c < C; c++) {
        input.set(firstLatent.subarray(c * plane, (c + 1) * plane), c * frames * plane);
      }
    }
    const decoded = await runtime.decodeVideo(input, frames); // [1, 3, F, H, W]
    const perFrame = transposeFrames(decoded, 3, frames, image.height * image.width);
    return toPixels(perFrame, frames, image.height, image.width);
  }
  // [1, C, F, h, w] -> [F, C, h, w], decoded in chunks.
  const perFrame = transposeFrames(latents, C, frames, plane);
  const pixels = new Uint8Array(frames * image.height * image.width * 3);
  for (let start = 0; start < frames; start += DECODE_CHUNK) {
    const n = Math.min(DECODE_CHUNK, frames - start);
    const decoded = await runtime.decode(
      perFrame.slice(start * C * plane, (start + n) * C * plane),
      n,
    );
    pixels.set(
      toPixels(decoded, n, image.height, image.width),
      start * image.height * image.width * 3,
    );
  }
  return pixels;
}

/** [outer, inner, plane] -> [inner, outer, plane]: a video tensor [1, C, F, ...] to frames first
 * [F, C, ...] (outer = C, inner = F), and back (outer = F, inner = C). */
function transposeFrames(
  tensor: Float32Array,
  outer: number,
  inner: number,
  plane: number,
): Float32Array {
  const out = new Float32Array(tensor.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      out.set(
        tensor.subarray((o * inner + i) * plane, (o * inner + i + 1) * plane),
        (i * outer + o) * plane,
      );
    }
  }
  return out;
}
