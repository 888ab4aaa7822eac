// PNG in and out with sharp: candidate PNGs, the numbered 2x2 grid, and uploaded images
// (checked for type, byte size and dimensions before decoding, then fitted to the model).
import type { Metadata, Sharp, SharpInput, SharpOptions } from 'sharp';
import { imageTypeNames, REQUEST_LIMITS } from '../core/contract.js';
import { drawDigitBadge } from './digits.js';
import { EngineInputError } from './errors.js';

export interface ImageSize {
  width: number;
  height: number;
}

// sharp (native, ~250 ms to import) loads on the first image, not with the engine: the CLI's
// first diffusion step needs none.
let loadedSharp: Promise<(input: SharpInput, options?: SharpOptions) => Sharp> | undefined;
function sharp(input: SharpInput, options?: SharpOptions): Promise<Sharp> {
  loadedSharp ??= import('sharp').then((module) => module.default);
  return loadedSharp.then((create) => create(input, options));
}

export async function encodePng(rgb: Uint8Array, size: ImageSize): Promise<Buffer> {
  return (await sharp(rgb, { raw: { width: size.width, height: size.height, channels: 3 } }))
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** Nearest-neighbour upscale of an RGB image by an integer factor (crisp shapes). */
export function upscaleNearest(rgb: Uint8Array, size: ImageSize, factor: number): Uint8Array {
  const rowBytes = size.width * factor * 3;
  const out = new Uint8Array(rowBytes * size.height * factor);
  for (let y = 0; y < size.height; y++) {
    // The source row widened once, then copied down: a candidates grid in 0.33 ms, not 1.3 (min).
    const first = y * factor * rowBytes;
    for (let x = 0; x < size.width; x++) {
      const source = (y * size.width + x) * 3;
      for (let k = 0; k < factor; k++) {
        const target = first + (x * factor + k) * 3;
        out[target] = rgb[source]!;
        out[target + 1] = rgb[source + 1]!;
        out[target + 2] = rgb[source + 2]!;
      }
    }
    for (let k = 1; k < factor; k++) out.copyWithin(first + k * rowBytes, first, first + rowBytes);
  }
  return out;
}

/** 2x2 grid of the 4 candidates (each upscaled to about `cellSize`), numbered 1-4 in the
 * top-left corner of each cell, with a 4-pixel gap. */
export async function encodeGrid(
  candidates: readonly Uint8Array[],
  size: ImageSize,
  cellSize: number,
): Promise<Buffer> {
  const grid = gridPixels(candidates, size, cellSize);
  return encodePng(grid.rgb, grid);
}

/** The numbered 2x2 grid's RGB pixels (encodeGrid's picture; a frame of a continuation preview). */
export function gridPixels(
  candidates: readonly Uint8Array[],
  size: ImageSize,
  cellSize: number,
): ImageSize & { rgb: Uint8Array } {
  if (candidates.length !== 4)
    throw new RangeError(`the grid needs 4 candidates, got ${candidates.length}`);
  const factor = Math.max(1, Math.round(cellSize / size.width));
  const cellW = size.width * factor;
  const cellH = size.height * factor;
  const gap = 4;
  const gridW = 2 * cellW + gap;
  const gridH = 2 * cellH + gap;
  const grid = new Uint8Array(gridW * gridH * 3).fill(255);
  const badgeScale = Math.max(2, Math.round(cellW / 64));
  candidates.forEach((pixels, index) => {
    const cell = upscaleNearest(pixels, size, factor);
    const left = (index % 2) * (cellW + gap);
    const top = Math.floor(index / 2) * (cellH + gap);
    for (let y = 0; y < cellH; y++) {
      grid.set(cell.subarray(y * cellW * 3, (y + 1) * cellW * 3), ((top + y) * gridW + left) * 3);
    }
    drawDigitBadge(grid, gridW, String(index + 1), left + badgeScale, top + badgeScale, badgeScale);
  });
  return { rgb: grid, width: gridW, height: gridH };
}

export interface UploadLimits {
  maxBytes: number;
  maxSide: number;
}

/** sharp's format names of the contract's image types (image/png → png, …): the bot checks the
 * same list before queueing. */
const ALLOWED_FORMATS = REQUEST_LIMITS.imageTypes.map((type) => type.replace('image/', ''));
const ALLOWED_NAMES = imageTypeNames(REQUEST_LIMITS);

/** Checks an uploaded image and returns its pixels fitted to `target` (centre crop, RGB).
 * The header is read first, so a small file that claims huge dimensions (a decompression
 * bomb) is refused before any pixel is decoded. */
export async function readUpload(
  bytes: Uint8Array,
  target: ImageSize,
  limits: UploadLimits,
): Promise<Uint8Array> {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) {
    throw new EngineInputError('image', `image is empty; send a ${ALLOWED_NAMES} file`);
  }
  if (bytes.byteLength > limits.maxBytes) {
    throw new EngineInputError(
      'image',
      `image is ${formatBytes(bytes.byteLength)}; at most ${formatBytes(limits.maxBytes)} is allowed`,
    );
  }
  const options = { limitInputPixels: limits.maxSide * limits.maxSide, failOn: 'error' as const };
  let metadata: Metadata;
  try {
    // Reads the header only; the pixel limit applies when decoding below.
    metadata = await (await sharp(bytes, { limitInputPixels: false })).metadata();
  } catch {
    throw new EngineInputError('image', `image is not a readable ${ALLOWED_NAMES} file`);
  }
  if (!metadata.format || !ALLOWED_FORMATS.includes(metadata.format)) {
    throw new EngineInputError(
      'image',
      `image is ${metadata.format ?? 'of unknown type'}; allowed: ${ALLOWED_NAMES}`,
    );
  }
  const { width = 0, height = 0 } = metadata;
  if (width < 1 || height < 1 || width > limits.maxSide || height > limits.maxSide) {
    throw new EngineInputError(
      'image',
      `image is ${width}x${height} pixels; each side must be 1 to ${limits.maxSide} pixels`,
    );
  }
  try {
    let pipeline = (await sharp(bytes, options)).flatten({ background: '#000000' }).removeAlpha();
    if (width !== target.width || height !== target.height) {
      pipeline = pipeline.resize(target.width, target.height, { fit: 'cover' });
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch {
    throw new EngineInputError(
      'image',
      `image could not be decoded; send an intact ${ALLOWED_NAMES} file`,
    );
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}
