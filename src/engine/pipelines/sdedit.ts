// Variations by SDEdit (Meng et al. 2021, as diffusers' img2img): the source image's latent,
// noised to the timestep `strength` of the way up the schedule, is denoised from there by the
// usual sampler. Low strength keeps the source's layout and colours; high strength keeps less.
import { fromPixels } from '../pixels.js';
import type { ModelRuntime } from '../runtime.js';
import { alphasCumprod, type Scheduler } from '../schedulers/index.js';

export interface InitLatent {
  /** The source image as RGB pixels H x W x 3 at the model's image size. */
  pixels: Uint8Array;
  /** 0..1: the share of the schedule's steps that run (at least one). */
  strength: number;
}

/** Steps of an n-step schedule to skip at `strength`: diffusers' n - floor(n * strength), but
 * always leaving one step to run (a strength that rounds to none would return the source). */
export function stepsToSkip(steps: number, strength: number): number {
  const run = Math.max(1, Math.min(steps, Math.floor(steps * strength)));
  return steps - run;
}

/**
 * The first samples of `count` variations: skips the scheduler's first steps and noises the
 * source's scaled latent x0 to its first timestep t with each candidate's unit noise:
 * sqrt(a_t) x0 + sqrt(1 - a_t) noise, at the sampler's own scale (Euler's sample lives at
 * 1 / modelInputScale). Call it right after setTimesteps.
 */
export async function noisedInit(
  runtime: ModelRuntime,
  scheduler: Scheduler,
  init: InitLatent,
  noise: Float32Array,
  count: number,
): Promise<Float32Array> {
  const { image } = runtime.manifest;
  const x0 = await runtime.encodeImage(fromPixels(init.pixels, 1, image.height, image.width), 1);
  scheduler.skipSteps(stepsToSkip(scheduler.timesteps.length, init.strength));
  const t = scheduler.timesteps[0]!;
  const alphaBar = alphasCumprod(runtime.folder.schedulerConfig)[t]!;
  const signal = Math.sqrt(alphaBar) / scheduler.modelInputScale(t);
  const spread = Math.sqrt(1 - alphaBar) / scheduler.modelInputScale(t);
  const sample = new Float32Array(count * x0.length);
  for (let n = 0; n < count; n++) {
    const offset = n * x0.length;
    for (let i = 0; i < x0.length; i++) {
      sample[offset + i] = signal * x0[i]! + spread * noise[offset + i]!;
    }
  }
  return sample;
}
