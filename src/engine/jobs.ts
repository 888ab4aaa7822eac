// A validated job -> pixels, on an opened model. Runs wherever the model lives (the worker
// thread, or in-process for tests and tools). Noise comes from the seeds only.
import { imageToVideo } from './pipelines/image-to-video.js';
import type { StepHooks } from './pipelines/hooks.js';
import {
  continueVideo,
  interpolateVideo,
  interpolationWindows,
  type WindowNoise,
} from './pipelines/masked-video.js';
import { StepNoise } from './pipelines/step-noise.js';
import { textToImage } from './pipelines/text-to-image.js';
import type { AnimateJob, CandidatesJob, ExtendJob, VideoFrames } from './requests.js';
import { createUint32Generator, fillGaussian } from './rng.js';
import type { ModelRuntime } from './runtime.js';

// A stochastic sampler's per-step noise comes from the same seed, on a stream of its own; so do
// the sampling windows of interpolation and continuation.
const STEP_NOISE_SALT = 0x5bd1e995;
const INTERPOLATE_SALT = 0x27d4eb2f;
const CONTINUE_SALT = 0x165667b1;
const stepNoiseSeed = (seed: number) => (seed ^ STEP_NOISE_SALT) >>> 0;

/** Values in one video window's latents [1, C, F, h, w], F = the model's num_frames. */
function windowSize(runtime: ModelRuntime): number {
  const { latent, video } = runtime.manifest;
  return latent.channels * video.num_frames * latent.height * latent.width;
}

/** Each sampling window's unit noise, window after window, from one stream of `seed ^ salt`. */
function windowNoise(runtime: ModelRuntime, seed: number, salt: number): () => WindowNoise {
  const size = windowSize(runtime);
  const stream = createUint32Generator((seed ^ salt) >>> 0);
  return () => ({
    initial: fillGaussian(new Float32Array(size), stream()),
    steps: new StepNoise([stream()], size),
  });
}

/** The four candidates' pixels; with `initPixels` (and the job's strength), variations of it. */
export async function runCandidatesJob(
  runtime: ModelRuntime,
  job: CandidatesJob,
  hooks: StepHooks,
  initPixels?: Uint8Array,
): Promise<Uint8Array> {
  const { channels, height, width } = runtime.manifest.latent;
  const size = channels * height * width;
  const noise = new Float32Array(job.seeds.length * size);
  job.seeds.forEach((seed, i) => fillGaussian(noise.subarray(i * size, (i + 1) * size), seed));
  const stepNoiseSeeds = job.seeds.map(stepNoiseSeed);
  const init =
    initPixels && job.strength !== undefined
      ? { pixels: initPixels, strength: job.strength }
      : undefined;
  const result = await textToImage(
    runtime,
    { ...job, noise, stepNoiseSeeds, ...(init ? { init } : {}) },
    hooks,
  );
  return result.pixels;
}

/** The video from its first frame; with `job.interpolate`, then interpolated to 2F - 1 frames
 * (progress counts the video's steps and every interpolation window's). */
export async function runAnimateJob(
  runtime: ModelRuntime,
  job: AnimateJob,
  firstFrame: Uint8Array,
  hooks: StepHooks,
): Promise<VideoFrames> {
  const { video } = runtime.manifest;
  const noise = fillGaussian(new Float32Array(windowSize(runtime)), job.seed);
  const windows = job.interpolate
    ? interpolationWindows(video.num_frames, Math.floor(video.num_frames / 2)).length
    : 0;
  const total = job.steps * (1 + windows);
  const made = await imageToVideo(
    runtime,
    { ...job, firstFrame, noise, stepNoiseSeed: stepNoiseSeed(job.seed) },
    { ...hooks, onStep: (step) => hooks.onStep?.(step, total) },
  );
  if (!job.interpolate) return { pixels: made.pixels, frames: made.frames };
  const interpolated = await interpolateVideo(
    runtime,
    { pixels: made.pixels, frames: made.frames },
    {
      ...job,
      windowFrames: video.num_frames,
      noise: windowNoise(runtime, job.seed, INTERPOLATE_SALT),
    },
    { ...hooks, onStep: (step) => hooks.onStep?.(job.steps + step, total) },
  );
  return { pixels: interpolated.pixels, frames: interpolated.frames };
}

/** The F - k frames that follow `input`'s last k (k = job.contextFrames). */
export async function runExtendJob(
  runtime: ModelRuntime,
  job: ExtendJob,
  input: VideoFrames,
  hooks: StepHooks,
): Promise<VideoFrames> {
  const windowFrames = runtime.manifest.video.num_frames;
  const made = await continueVideo(
    runtime,
    input,
    job.contextFrames,
    { ...job, windowFrames, noise: windowNoise(runtime, job.seed, CONTINUE_SALT) },
    hooks,
  );
  return { pixels: made.pixels, frames: made.frames };
}
