// First frame + text -> video (Emu Video step 2): the video U-Net with frame 0 given (the
// `first` mask), sampled and decoded by video-sampling.ts.
import { fromPixels } from '../pixels.js';
import type { ModelRuntime } from '../runtime.js';
import type { StepHooks } from './hooks.js';
import {
  decodeVideoLatents,
  frameCount,
  sampleVideo,
  type VideoSampling,
} from './video-sampling.js';

export interface ImageToVideoInput extends VideoSampling {
  /** The first frame as RGB pixels H x W x 3 at the model's image size. */
  firstFrame: Uint8Array;
  /** Unit Gaussian noise [1, C, F, h, w]. */
  noise: Float32Array;
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

export async function imageToVideo(
  runtime: ModelRuntime,
  input: ImageToVideoInput,
  hooks: StepHooks = {},
): Promise<ImageToVideoOutput> {
  const { latent, image } = runtime.manifest;
  const frames = frameCount(runtime, input.noise);
  const plane = latent.height * latent.width;

  // 1. Encode the first frame to its scaled latent; it is given at frame 0.
  const firstLatent = await runtime.encodeImage(
    fromPixels(input.firstFrame, 1, image.height, image.width),
    1,
  );
  const given = new Float32Array(input.noise.length);
  for (let c = 0; c < latent.channels; c++) {
    given.set(firstLatent.subarray(c * plane, (c + 1) * plane), c * frames * plane);
  }

  // 2. Sample, then decode (the temporal decoder sees frame 0 as the first frame's own latent).
  const latents = await sampleVideo(
    runtime,
    { ...input, given: { latents: given, frames: [0] } },
    hooks,
  );
  const pixels = await decodeVideoLatents(runtime, latents, firstLatent);
  return { frames, firstLatent, latents, pixels };
}
