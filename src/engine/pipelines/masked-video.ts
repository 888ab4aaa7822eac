// The masked uses of a video U-Net trained with them (docs/model-format.md, "Masked uses";
// reference: ReferencePipeline.masked_video / interpolate / continue_video in
// training/firstframe_train/pipeline.py): frame interpolation (factor 2, window by window) and
// continuation (the next F - k frames after a video's last k).
import type { ModelRuntime } from '../runtime.js';
import { throwIfCancelled, type StepHooks } from './hooks.js';
import type { StepNoiseSource } from './step-noise.js';
import {
  decodeVideoLatents,
  encodeFrames,
  sampleVideo,
  type VideoSampling,
} from './video-sampling.js';

/** The unit noise of one sampling window: its initial latents [1, C, F, h, w] and, for a
 * stochastic scheduler, each step's. */
export interface WindowNoise {
  initial: Float32Array;
  steps?: StepNoiseSource;
}

/** Sampler settings of a masked use; each window's noise comes from `noise(window)`, windows
 * numbered 0, 1, ... in sampling order. */
export interface MaskedSampling extends Omit<VideoSampling, 'stepNoise' | 'stepNoiseSeed'> {
  /** F: the frames the model samples at once (the model's `video.num_frames`). */
  windowFrames: number;
  noise: (window: number) => WindowNoise;
}

/** RGB frames (count x H x W x 3) in, as the masked uses take them. */
export interface VideoPixels {
  pixels: Uint8Array;
  frames: number;
}

/** Start (input frame index) of each interpolation window of `width` keyframes over n frames:
 * 0, width - 1, 2 (width - 1), ... while a full window fits, then n - width for the rest. */
export function interpolationWindows(n: number, width: number): number[] {
  if (n <= width) return [0];
  const starts: number[] = [];
  let start = 0;
  while (start + width < n) {
    starts.push(start);
    start += width - 1;
  }
  starts.push(n - width);
  return starts;
}

/** Copies frame `from` of `source` [1, C, sourceFrames, ...] to frame `to` of `target`. */
function copyFrame(
  source: Float32Array,
  sourceFrames: number,
  from: number,
  target: Float32Array,
  targetFrames: number,
  to: number,
  channels: number,
  plane: number,
): void {
  for (let c = 0; c < channels; c++) {
    const at = (c * sourceFrames + from) * plane;
    target.set(source.subarray(at, at + plane), (c * targetFrames + to) * plane);
  }
}

/** Hooks of one window inside a run of several: steps counted over the whole run. */
function windowHooks(hooks: StepHooks, done: number, total: number): StepHooks {
  return {
    ...hooks,
    onStep: (step) => hooks.onStep?.(done + step, total),
  };
}

/** One window with `given` frames of `cond` [1, C, F, h, w]: samples it, then puts the given
 * latents back at their frames (so they decode as the inputs' own VAE round trip). */
async function sampleWindow(
  runtime: ModelRuntime,
  settings: MaskedSampling,
  window: number,
  cond: Float32Array,
  given: readonly number[],
  hooks: StepHooks,
): Promise<Float32Array> {
  const { channels, height, width } = runtime.manifest.latent;
  const plane = height * width;
  const F = settings.windowFrames;
  const noise = settings.noise(window);
  const sample = await sampleVideo(
    runtime,
    {
      ...settings,
      noise: noise.initial,
      ...(noise.steps ? { stepNoise: noise.steps } : {}),
      given: { latents: cond, frames: given },
    },
    hooks,
  );
  for (const f of given) copyFrame(cond, F, f, sample, F, f, channels, plane);
  return sample;
}

export interface InterpolationOutput {
  /** 2N - 1 */
  frames: number;
  /** Scaled latents [1, C, 2N - 1, h, w]: the inputs' at even frames, the new ones between. */
  latents: Float32Array;
  /** RGB pixels (2N - 1) x H x W x 3. */
  pixels: Uint8Array;
}

/** N >= 2 frames -> 2N - 1: input j at frame 2j, a new frame between each pair. A window takes
 * W = F / 2 consecutive inputs as its frames 0, 2, ..., F - 2 and gives the frames between them;
 * its last frame is dropped (docs/model-format.md has the window layout). */
export async function interpolateVideo(
  runtime: ModelRuntime,
  video: VideoPixels,
  settings: MaskedSampling,
  hooks: StepHooks = {},
): Promise<InterpolationOutput> {
  const { channels, height, width } = runtime.manifest.latent;
  const plane = height * width;
  const n = video.frames;
  const F = settings.windowFrames;
  const W = Math.floor(F / 2);
  if (n < 2) throw new RangeError(`interpolation needs at least 2 frames, got ${n}`);
  if (W < 2) throw new RangeError(`interpolation needs windows of at least 4 frames, got ${F}`);

  // 1. Encode the inputs; they are the output's even frames.
  throwIfCancelled(hooks);
  const inputs = await encodeFrames(runtime, video.pixels, n);
  const outFrames = 2 * n - 1;
  const latents = new Float32Array(channels * outFrames * plane);
  for (let j = 0; j < n; j++) copyFrame(inputs, n, j, latents, outFrames, 2 * j, channels, plane);

  // 2. Window by window: keyframes at 0, 2, ..., the frames between them are new.
  const starts = interpolationWindows(n, W);
  const total = starts.length * settings.steps;
  let done = 0; // input pairs (j, j + 1) filled so far: j < done
  for (const [window, start] of starts.entries()) {
    const keys = Math.min(W, n - start);
    const keyframes = Array.from({ length: keys }, (_, m) => 2 * m);
    const cond = new Float32Array(channels * F * plane);
    for (let m = 0; m < keys; m++) copyFrame(inputs, n, start + m, cond, F, 2 * m, channels, plane);
    const sample = await sampleWindow(
      runtime,
      settings,
      window,
      cond,
      keyframes,
      windowHooks(hooks, window * settings.steps, total),
    );
    for (let m = 0; m < keys - 1; m++) {
      if (start + m >= done) {
        copyFrame(sample, F, 2 * m + 1, latents, outFrames, 2 * (start + m) + 1, channels, plane);
      }
    }
    done = start + keys - 1;
  }

  // 3. Decode all frames at once (the temporal decoder, if any, sees them together).
  throwIfCancelled(hooks);
  return { frames: outFrames, latents, pixels: await decodeVideoLatents(runtime, latents) };
}

export interface ContinuationOutput {
  /** F - k new frames. */
  frames: number;
  /** The window's scaled latents [1, C, F, h, w]: the k given frames, then the new ones. */
  latents: Float32Array;
  /** RGB pixels of the new frames, (F - k) x H x W x 3. */
  pixels: Uint8Array;
}

/** The F - k frames that follow a video: its last k frames (1 <= k <= F / 2, as trained) are a
 * window's frames 0..k-1, the model samples the rest. */
export async function continueVideo(
  runtime: ModelRuntime,
  video: VideoPixels,
  contextFrames: number,
  settings: MaskedSampling,
  hooks: StepHooks = {},
): Promise<ContinuationOutput> {
  const { channels, height, width } = runtime.manifest.latent;
  const { image } = runtime.manifest;
  const plane = height * width;
  const F = settings.windowFrames;
  const k = contextFrames;
  if (!Number.isInteger(k) || k < 1 || k > F / 2 || k > video.frames) {
    throw new RangeError(
      `continuation takes 1..${F / 2} context frames of the video's ${video.frames}, got ${k}`,
    );
  }

  // 1. Encode the last k frames: the window's frames 0..k-1.
  throwIfCancelled(hooks);
  const frameSize = image.height * image.width * 3;
  const last = video.pixels.subarray((video.frames - k) * frameSize, video.frames * frameSize);
  const context = await encodeFrames(runtime, last, k);
  const cond = new Float32Array(channels * F * plane);
  for (let f = 0; f < k; f++) copyFrame(context, k, f, cond, F, f, channels, plane);

  // 2. Sample the window, decode it whole, keep the new frames.
  const given = Array.from({ length: k }, (_, f) => f);
  const latents = await sampleWindow(runtime, settings, 0, cond, given, hooks);
  throwIfCancelled(hooks);
  const pixels = await decodeVideoLatents(runtime, latents);
  return { frames: F - k, latents, pixels: pixels.slice(k * frameSize) };
}
