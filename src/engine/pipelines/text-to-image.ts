// Text -> N first-frame candidates in one batch: the text-to-image U-Net sees the unguided
// and guided inputs of every candidate together ([uncond x N, text x N]) at each step.
import { applyTextGuidance } from '../guidance.js';
import { toPixels } from '../pixels.js';
import type { ModelRuntime } from '../runtime.js';
import { createScheduler, type SchedulerName } from '../schedulers/index.js';
import { throwIfCancelled, type StepHooks } from './hooks.js';
import { noisedInit, type InitLatent } from './sdedit.js';
import { stepNoiseFor } from './step-noise.js';

export interface TextToImageInput {
  prompt: string;
  /** Caption of the unguided rows: guidance pushes away from it ("" = plain guidance, as trained). */
  negativePrompt?: string;
  /** Unit Gaussian noise [N, C, h, w]; N = number of candidates. */
  noise: Float32Array;
  scheduler: SchedulerName;
  /** DDIM's eta (0 = deterministic); with eta > 0 each step adds noise, candidate i's drawn from
   * stepNoiseSeeds[i]. */
  eta?: number;
  stepNoiseSeeds?: readonly number[];
  steps: number;
  guidance: number;
  guidanceRescale: number;
  /** Variations: start from this image re-noised to `strength` (SDEdit) instead of pure noise. */
  init?: InitLatent;
}

export interface TextToImageOutput {
  count: number;
  /** Final scaled latents [N, C, h, w]. */
  latents: Float32Array;
  /** Decoded images [N, 3, H, W] about [-1, 1]. */
  images: Float32Array;
  /** RGB pixels N x H x W x 3. */
  pixels: Uint8Array;
}

export async function textToImage(
  runtime: ModelRuntime,
  input: TextToImageInput,
  hooks: StepHooks = {},
): Promise<TextToImageOutput> {
  const { latent, text, image } = runtime.manifest;
  const sampleSize = latent.channels * latent.height * latent.width;
  const count = input.noise.length / sampleSize;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`noise has ${input.noise.length} values, not a multiple of ${sampleSize}`);
  }

  // 1. Encode the prompt: row 0 = no text ("" or the negative prompt), row 1 = the prompt;
  //    repeat for the batch.
  throwIfCancelled(hooks);
  const contextSize = text.max_length * text.hidden_size;
  const encoded = await runtime.encodeText([input.negativePrompt ?? '', input.prompt]);
  const context = new Float32Array(2 * count * contextSize);
  for (let n = 0; n < count; n++) {
    context.set(encoded.subarray(0, contextSize), n * contextSize);
    context.set(encoded.subarray(contextSize), (count + n) * contextSize);
  }

  // 2. Prepare latents: scheduler's starting scale times the noise (one buffer, in place), or
  //    for variations the init image noised part of the way (fewer steps to run).
  const scheduler = createScheduler(input.scheduler, runtime.folder.schedulerConfig, {
    eta: input.eta ?? 0,
  });
  scheduler.setTimesteps(input.steps);
  const sample = input.init
    ? await noisedInit(runtime, scheduler, input.init, input.noise, count)
    : input.noise.map((x) => x * scheduler.initNoiseSigma);
  const stepNoise = stepNoiseFor(scheduler, input.stepNoiseSeeds, sampleSize);
  const modelInput = new Float32Array(2 * count * sampleSize);
  const timesteps = new Float32Array(2 * count);
  const guided = new Float32Array(count * sampleSize);

  // 3. Denoise.
  const total = scheduler.timesteps.length;
  for (const [index, t] of scheduler.timesteps.entries()) {
    throwIfCancelled(hooks);
    const scale = scheduler.modelInputScale(t);
    for (let i = 0; i < sample.length; i++) modelInput[i] = sample[i]! * scale;
    modelInput.copyWithin(sample.length, 0, sample.length);
    timesteps.fill(t);
    const v = await runtime.unetImage(modelInput, timesteps, context);
    applyTextGuidance(v, guided, count, input.guidance, input.guidanceRescale);
    scheduler.step(guided, t, sample, stepNoise?.next());
    hooks.onLatents?.(index + 1, sample);
    hooks.onStep?.(index + 1, total);
  }

  // 4. Decode.
  throwIfCancelled(hooks);
  const images = await runtime.decode(sample, count);
  return {
    count,
    latents: sample,
    images,
    pixels: toPixels(images, count, image.height, image.width),
  };
}
