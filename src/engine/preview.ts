// The preview of four continuations (issue 29 "extend together"): an animated GIF of their new
// frames side by side, laid out and numbered 1-4 exactly as the candidates grid, so a vote on
// continuations reads like a vote on first frames.
import { gridPixels, type ImageSize } from './images.js';
import { encodeGif } from './video.js';

/** Cell sides to try, from `cellSize` down to the model's own (each half the last). */
function cellSizes(cellSize: number, native: number): number[] {
  const out: number[] = [];
  for (let size = cellSize; size >= native; size = Math.floor(size / 2)) out.push(size);
  return out.length > 0 ? out : [native];
}

/**
 * `clips`: four continuations' new frames (each `frames` x H x W x 3 at `size`) -> a GIF of
 * 2x2 numbered grids at `fps`, cells about `cellSize` (the grid PNG's), smaller cells if the
 * GIF would be over `maxBytes`. The videos' 64-colour palette: four 15-frame continuations of
 * shapes-v8 at 516x516 make about 300 KB (fewer colours saved little: 32 gave 264 KB).
 */
export async function encodeContinuationPreview(
  clips: readonly Uint8Array[],
  frames: number,
  size: ImageSize,
  options: { cellSize: number; fps: number; maxBytes: number },
): Promise<Buffer> {
  const perFrame = size.width * size.height * 3;
  for (const clip of clips) {
    if (clip.length !== frames * perFrame) {
      throw new RangeError(
        `each clip must be ${frames} frames of ${size.width}x${size.height} RGB`,
      );
    }
  }
  let last = 0;
  for (const cellSize of cellSizes(options.cellSize, size.width)) {
    const grids = Array.from({ length: frames }, (_, t) =>
      gridPixels(
        clips.map((clip) => clip.subarray(t * perFrame, (t + 1) * perFrame)),
        size,
        cellSize,
      ),
    );
    const { width, height } = grids[0]!;
    const pixels = new Uint8Array(frames * width * height * 3);
    grids.forEach((grid, t) => pixels.set(grid.rgb, t * grid.rgb.length));
    const gif = await encodeGif({ pixels, frames, width, height, fps: options.fps });
    if (gif.byteLength <= options.maxBytes) return gif;
    last = gif.byteLength;
  }
  throw new Error(
    `the preview GIF stays at ${last} bytes, over the ${options.maxBytes}-byte limit`,
  );
}
