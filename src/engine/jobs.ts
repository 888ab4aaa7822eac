// A validated job -> pixels, on an opened model. Runs wherever the model lives (the worker
// thread, or in-process for tests and tools). Noise comes from the seeds only.
import { imageToVideo } from './pipelines/image-to-video.js';
import type { StepHooks } from './pipelines/hooks.js';
import { textToImage } from './pipelines/text-to-image.js';
import type { AnimateJob, CandidatesJob } from './requests.js';
import { fillGaussian } from './rng.js';
import type { ModelRuntime } from './runtime.js';

// A stochastic sampler's per-step noise comes from the same seed, on a stream of its own.
const STEP_NOISE_SALT = 0x5bd1e995;
const stepNoiseSeed = (seed: number) => (seed ^ STEP_NOISE_SALT) >>> 0;

export async function runCandidatesJob(
  runtime: ModelRuntime,
  job: CandidatesJob,
  hooks: StepHooks,
): Promise<Uint8Array> {
  const { channels, height, width } = runtime.manifest.latent;
  const size = channels * height * width;
  const noise = new Float32Array(job.seeds.length * size);
  job.seeds.forEach((seed, i) => fillGaussian(noise.subarray(i * size, (i + 1) * size), seed));
  const stepNoiseSeeds = job.seeds.map(stepNoiseSeed);
  const result = await textToImage(runtime, { ...job, noise, stepNoiseSeeds }, hooks);
  return result.pixels;
}

export async function runAnimateJob(
  runtime: ModelRuntime,
  job: AnimateJob,
  firstFrame: Uint8Array,
  hooks: StepHooks,
): Promise<Uint8Array> {
  const { latent, video } = runtime.manifest;
  const noise = fillGaussian(
    new Float32Array(latent.channels * video.num_frames * latent.height * latent.width),
    job.seed,
  );
  const result = await imageToVideo(
    runtime,
    { ...job, firstFrame, noise, stepNoiseSeed: stepNoiseSeed(job.seed) },
    hooks,
  );
  return result.pixels;
}
