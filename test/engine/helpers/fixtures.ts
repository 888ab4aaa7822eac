// Paths of the committed model fixtures (written by training/, see docs/model-format.md)
// and readers for the parity tensors.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageToVideoInput } from '../../../src/engine/pipelines/image-to-video.js';
import type { SchedulerName } from '../../../src/engine/schedulers/index.js';

export const TINY_MODEL_DIR = 'test/fixtures/tiny-model';
export const PARITY_DIR = 'test/fixtures/parity';

/** Why a fixture test cannot run here, or null. In CI missing fixtures are a failure. */
export function missingFixtures(): string | null {
  const missing = [
    join(TINY_MODEL_DIR, 'model_index.json'),
    join(PARITY_DIR, 'parity.json'),
  ].filter((path) => !existsSync(path));
  if (missing.length === 0) return null;
  const message = `missing fixtures ${missing.join(', ')} (python3 -m firstframe_train.make_fixtures)`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

export interface TensorRef {
  file: string;
  dtype: 'float32' | 'uint8';
  shape: number[];
}

export function readFloat32(ref: TensorRef): Float32Array {
  if (ref.dtype !== 'float32') throw new Error(`${ref.file} is ${ref.dtype}, expected float32`);
  const bytes = readFileSync(join(PARITY_DIR, ref.file));
  return new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

export function readUint8(ref: TensorRef): Uint8Array {
  if (ref.dtype !== 'uint8') throw new Error(`${ref.file} is ${ref.dtype}, expected uint8`);
  return new Uint8Array(readFileSync(join(PARITY_DIR, ref.file)));
}

export function readParity<T = Record<string, unknown>>(): T {
  return JSON.parse(readFileSync(join(PARITY_DIR, 'parity.json'), 'utf8')) as T;
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
