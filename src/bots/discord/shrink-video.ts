// Re-encodes an MP4 smaller with ffmpeg (fluent-ffmpeg), trying stronger settings until the
// file fits: higher CRF first, then a smaller picture. Returns undefined when nothing fits.
import { stat, unlink } from 'node:fs/promises';
import ffmpeg from 'fluent-ffmpeg';
import type { ShrinkVideo } from './upload-limit.js';

const ATTEMPTS = [
  { crf: 30, scale: 1 },
  { crf: 36, scale: 0.75 },
  { crf: 42, scale: 0.5 },
];

function encode(input: string, output: string, ffmpegPath: string, crf: number, scale: number) {
  return new Promise<void>((resolve, reject) => {
    ffmpeg(input)
      .setFfmpegPath(ffmpegPath)
      .videoCodec('libx264')
      // Even sizes: yuv420p needs them.
      .videoFilters(`scale=trunc(iw*${scale}/2)*2:trunc(ih*${scale}/2)*2`)
      .outputOptions(['-crf', String(crf), '-preset', 'veryfast', '-pix_fmt', 'yuv420p'])
      .outputOptions(['-movflags', '+faststart', '-an'])
      .on('end', () => resolve())
      .on('error', (error: Error) => reject(error))
      .save(output);
  });
}

export function ffmpegShrinker(ffmpegPath: string): ShrinkVideo {
  return async (mp4, maxBytes) => {
    for (const { crf, scale } of ATTEMPTS) {
      const output = mp4.replace(/\.mp4$/i, '') + `.crf${crf}-x${scale}.mp4`;
      await encode(mp4, output, ffmpegPath, crf, scale);
      if ((await stat(output)).size <= maxBytes) return output;
      await unlink(output);
    }
    return undefined;
  };
}
