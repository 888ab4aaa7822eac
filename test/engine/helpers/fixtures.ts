// Paths of the committed model fixtures (written by training/, see docs/model-format.md)
// and readers for the parity tensors.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageToVideoInput } from '../../../src/engine/pipelines/image-to-video.js';
import type { ModelRuntime } from '../../../src/engine/runtime.js';
import type { SchedulerName } from '../../../src/engine/schedulers/index.js';

export const TINY_MODEL_DIR = 'test/fixtures/tiny-model';
export const PARITY_DIR = 'test/fixtures/parity';
/** A tiny model trained with the mask mix (video_masks: first, interpolate, continue) and its
 * parity cases (training/tools/masked_fixtures.py). */
export const MASKED_MODEL_DIR = 'test/fixtures/masked-model';
export const MASKED_PARITY_DIR = 'test/fixtures/parity-masked';

/** Why a fixture test cannot run here, or null. In CI missing fixtures are a failure. */
export function missingFixtures(which: 'tiny' | 'masked' = 'tiny'): string | null {
  const [model, parity, tool] =
    which === 'tiny'
      ? [TINY_MODEL_DIR, PARITY_DIR, 'python3 -m firstframe_train.make_fixtures']
      : [MASKED_MODEL_DIR, MASKED_PARITY_DIR, 'PYTHONPATH=. python3 tools/masked_fixtures.py'];
  const missing = [join(model, 'model_index.json'), join(parity, 'parity.json')].filter(
    (path) => !existsSync(path),
  );
  if (missing.length === 0) return null;
  const message = `missing fixtures ${missing.join(', ')} (from training/: ${tool})`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

export interface TensorRef {
  file: string;
  dtype: 'float32' | 'uint8';
  shape: number[];
}

export function readFloat32(ref: TensorRef, dir = PARITY_DIR): Float32Array {
  if (ref.dtype !== 'float32') throw new Error(`${ref.file} is ${ref.dtype}, expected float32`);
  const bytes = readFileSync(join(dir, ref.file));
  return new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

export function readUint8(ref: TensorRef, dir = PARITY_DIR): Uint8Array {
  if (ref.dtype !== 'uint8') throw new Error(`${ref.file} is ${ref.dtype}, expected uint8`);
  return new Uint8Array(readFileSync(join(dir, ref.file)));
}

export function readParity<T = Record<string, unknown>>(dir = PARITY_DIR): T {
  return JSON.parse(readFileSync(join(dir, 'parity.json'), 'utf8')) as T;
}

/** Largest |a - b|, failing on a length mismatch. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Largest |a - b| / max(1, |b|): absolute for small values, relative for large ones. */
export function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

/** parity.json's image-to-video case: fixed inputs and what PyTorch sampled from them. */
export interface ImageToVideoParity {
  prompt: string;
  image_uint8: TensorRef;
  first_latent: TensorRef;
  noise: TensorRef;
  runs: ImageToVideoParityRun[];
}

export interface ImageToVideoParityRun {
  scheduler: SchedulerName;
  num_inference_steps: number;
  guidance_scale: number;
  image_guidance_scale: number;
  guidance_rescale: number;
  latents_after_step1: TensorRef;
  latents: TensorRef;
  frames_uint8: TensorRef;
}

/** The engine's input for one of those runs. */
export function imageToVideoParityInput(
  c: ImageToVideoParity,
  run: ImageToVideoParityRun,
): ImageToVideoInput {
  return {
    prompt: c.prompt,
    firstFrame: readUint8(c.image_uint8),
    noise: readFloat32(c.noise),
    scheduler: run.scheduler,
    steps: run.num_inference_steps,
    guidance: run.guidance_scale,
    imageGuidance: run.image_guidance_scale,
    guidanceRescale: run.guidance_rescale,
  };
}

/** parity.json's `components`: one input -> output pair per ONNX file. */
export type ComponentCases = Record<
  string,
  { inputs: Record<string, TensorRef>; outputs: Record<string, TensorRef> }
>;

/** Max abs error of each component (vae_encoder, vae_decoder, unet_image, unet_video) on its
 * case, run through the engine's runtime. */
export async function componentErrors(
  runtime: ModelRuntime,
  c: ComponentCases,
  dir = PARITY_DIR,
): Promise<[string, number][]> {
  const read = (ref: TensorRef) => readFloat32(ref, dir);
  const scale = runtime.manifest.latent.scaling_factor;
  const scaled = (ref: TensorRef) => read(ref).map((x) => x * scale);
  const encoder = c.vae_encoder!;
  const decoder = c.vae_decoder!;
  const image = c.unet_image!;
  const video = c.unet_video!;
  const checks: [string, Float32Array, Float32Array][] = [
    [
      'vae_encoder (scaled)',
      await runtime.encodeImage(read(encoder.inputs.sample!), encoder.inputs.sample!.shape[0]!),
      scaled(encoder.outputs.latent!),
    ],
    [
      'vae_decoder',
      await runtime.decode(scaled(decoder.inputs.latent!), decoder.inputs.latent!.shape[0]!),
      read(decoder.outputs.sample!),
    ],
    [
      'unet_image',
      await runtime.unetImage(
        read(image.inputs.sample!),
        read(image.inputs.timestep!),
        read(image.inputs.encoder_hidden_states!),
      ),
      read(image.outputs.out_sample!),
    ],
    [
      'unet_video',
      await runtime.unetVideo(
        read(video.inputs.sample!),
        video.inputs.sample!.shape[2]!,
        read(video.inputs.timestep!),
        read(video.inputs.encoder_hidden_states!),
      ),
      read(video.outputs.out_sample!),
    ],
  ];
  return checks.map(([name, actual, expected]) => [name, maxAbsDiff(actual, expected)]);
}
