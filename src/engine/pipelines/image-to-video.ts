// First frame + text -> video (Emu Video step 2). The image-to-video U-Net sees three inputs
// per step in one batch: (no text, no image), (no text, image), (text, image).
import { applyVideoGuidance } from '../guidance.js';
import { fromPixels, toPixels } from '../pixels.js';
import type { ModelRuntime } from '../runtime.js';
import { createScheduler, type SchedulerName } from '../schedulers/index.js';
import { throwIfCancelled, type StepHooks } from './hooks.js';
import { stepNoiseFor } from './step-noise.js';

export interface ImageToVideoInput {
  prompt: string;
  /** Caption of the unguided rows: guidance pushes away from it ("" = plain guidance, as trained). */
  negativePrompt?: string;
  /** The first frame as RGB pixels H x W x 3 at the model's image size. */
  firstFrame: Uint8Array;
  /** Unit Gaussian noise [1, C, F, h, w]. */
  noise: Float32Array;
  scheduler: SchedulerName;
  /** DDIM's eta (0 = deterministic); with eta > 0 each step adds noise drawn from stepNoiseSeed. */
  eta?: number;
  stepNoiseSeed?: number;
  steps: number;
  guidance: number;
  imageGuidance: number;
  guidanceRescale: number;
}

export interface ImageToVideoOutput {
  frames: number;
  /** Scaled first-frame latent [1, C, h, w]. */
  firstLatent: Float32Array;
  /** Final scaled latents [1, C, F, h, w]. */
  latents: Float32Array;
  /** RGB pixels F x H x W x 3. */
  pixels: Uint8Array;
}

/** Frames decoded per VAE call: bounds memory for long videos. */
const DECODE_CHUNK = 8;
const BATCH = 3;

export async function imageToVideo(
  runtime: ModelRuntime,
  input: ImageToVideoInput,
  hooks: StepHooks = {},
): Promise<ImageToVideoOutput> {
  const { latent, text, image } = runtime.manifest;
  const C = latent.channels;
  const plane = latent.height * latent.width;
  const frames = input.noise.length / (C * plane);
  if (!Number.isInteger(frames) || frames < 1) {
    throw new RangeError(`noise has ${input.noise.length} values, not a multiple of ${C * plane}`);
  }
  const videoSize = C * frames * plane;

  // 1. Encode the prompt: rows (no text, no text, text); "no text" is the negative prompt if any.
  throwIfCancelled(hooks);
  const contextSize = text.max_length * text.hidden_size;
  const encoded = await runtime.encodeText([input.negativePrompt ?? '', input.prompt]);
  const context = new Float32Array(BATCH * contextSize);
  context.set(encoded.subarray(0, contextSize), 0);
  context.set(encoded.subarray(0, contextSize), contextSize);
  context.set(encoded.subarray(contextSize), 2 * contextSize);

  // 2. Encode the first frame to its scaled latent.
  const firstLatent = await runtime.encodeImage(
    fromPixels(input.firstFrame, 1, image.height, image.width),
    1,
  );

  // 3. Prepare latents and the fixed conditioning channels of the model input
  //    [B, 2C+1, F, h, w]: noisy latent (C), first-frame latent at frame 0 (C), mask (1).
  //    Row 0 has no image (those C+1 channels stay zero).
  const scheduler = createScheduler(input.scheduler, runtime.folder.schedulerConfig, {
    eta: input.eta ?? 0,
  });
  scheduler.setTimesteps(input.steps);
  const stepNoise = stepNoiseFor(
    scheduler,
    input.stepNoiseSeed === undefined ? undefined : [input.stepNoiseSeed],
    videoSize,
  );
  const sample = input.noise.map((x) => x * scheduler.initNoiseSigma);
  const rowSize = (2 * C + 1) * frames * plane;
  const modelInput = new Float32Array(BATCH * rowSize);
  for (let row = 1; row < BATCH; row++) {
    for (let c = 0; c < C; c++) {
      const frame0 = row * rowSize + ((C + c) * frames + 0) * plane;
      modelInput.set(firstLatent.subarray(c * plane, (c + 1) * plane), frame0);
    }
    modelInput.fill(
      1,
      row * rowSize + 2 * C * frames * plane,
      row * rowSize + (2 * C * frames + 1) * plane,
    );
  }
  const timesteps = new Float32Array(BATCH);
  const guided = new Float32Array(videoSize);

  // 4. Denoise.
  const total = scheduler.timesteps.length;
  for (const [index, t] of scheduler.timesteps.entries()) {
    throwIfCancelled(hooks);
    const scale = scheduler.modelInputScale(t);
    for (let row = 0; row < BATCH; row++) {
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

  // 5. Decode: all frames at once when the model has a temporal video decoder, else frame by frame.
  throwIfCancelled(hooks);
  const pixels = runtime.hasVideoDecoder
    ? await decodeWithVideoDecoder(runtime, sample, firstLatent, frames)
    : await decodeFrameByFrame(runtime, sample, frames);
  return { frames, firstLatent, latents: sample, pixels };
}

/** The temporal decoder sees frame 0 as the first frame's own latent (as it was trained). */
async function decodeWithVideoDecoder(
  runtime: ModelRuntime,
  latents: Float32Array,
  firstLatent: Float32Array,
  frames: number,
): Promise<Uint8Array> {
  const { latent, image } = runtime.manifest;
  const plane = latent.height * latent.width;
  const input = latents.slice();
  for (let c = 0; c < latent.channels; c++) {
    input.set(firstLatent.subarray(c * plane, (c + 1) * plane), c * frames * plane);
  }
  const decoded = await runtime.decodeVideo(input, frames); // [1, 3, F, H, W]
  const perFrame = framesFirst(decoded, 3, frames, image.height * image.width);
  return toPixels(perFrame, frames, image.height, image.width);
}

async function decodeFrameByFrame(
  runtime: ModelRuntime,
  sample: Float32Array,
  frames: number,
): Promise<Uint8Array> {
  const { latent, image } = runtime.manifest;
  const C = latent.channels;
  const plane = latent.height * latent.width;
  // [1, C, F, h, w] -> [F, C, h, w], decoded in chunks.
  const perFrame = framesFirst(sample, C, frames, plane);
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

/** [1, C, F, plane] -> [F, C, plane]: a video tensor as the per-frame batch images use. */
function framesFirst(
  video: Float32Array,
  channels: number,
  frames: number,
  plane: number,
): Float32Array {
  const out = new Float32Array(video.length);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      out.set(
        video.subarray((c * frames + f) * plane, (c * frames + f + 1) * plane),
        (f * channels + c) * plane,
      );
    }
  }
  return out;
}
