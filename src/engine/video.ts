// Frames -> MP4 (H.264, yuv420p, faststart: plays in Discord, Slack and browsers) and GIF,
// upscaled with nearest-neighbour for display, through fluent-ffmpeg and the static ffmpeg
// that @ffmpeg-installer/ffmpeg ships. Re-encodes smaller until under the size limit. And back:
// a video file -> its frames at the model's size (to extend a video).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import ffmpeg from 'fluent-ffmpeg';
import { promisify } from 'node:util';
import { EngineInputError } from './errors.js';

const execFileAsync = promisify(execFile);

export const FFMPEG_PATH = ffmpegInstaller.path;

export interface VideoFrames {
  /** RGB pixels, frames x height x width x 3. */
  pixels: Uint8Array;
  frames: number;
  width: number;
  height: number;
  fps: number;
}

export interface EncodedVideo {
  mp4: Buffer;
  gif: Buffer;
  /** Side of the square output actually used (smaller than asked if the limit forced it). */
  mp4Size: number;
  gifSize: number;
}

interface Attempt {
  size: number;
  crf: number;
}

function run(input: string, frames: VideoFrames, output: string, options: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    ffmpeg()
      .setFfmpegPath(FFMPEG_PATH)
      .input(input)
      .inputOptions([
        '-f rawvideo',
        '-pix_fmt rgb24',
        `-s ${frames.width}x${frames.height}`,
        `-r ${frames.fps}`,
      ])
      .outputOptions(options)
      .output(output)
      .on('end', () => resolve())
      .on('error', (error: Error, _stdout: string | null, stderr: string | null) =>
        reject(new Error(`ffmpeg failed: ${error.message}\n${stderr ?? ''}`.trim())),
      )
      .run();
  });
}

function mp4Options(attempt: Attempt, frames: number): string[] {
  return [
    `-vf scale=${attempt.size}:${attempt.size}:flags=neighbor`,
    '-c:v libx264',
    '-pix_fmt yuv420p',
    '-preset medium',
    `-crf ${attempt.crf}`,
    '-movflags +faststart',
    `-frames:v ${frames}`,
    '-an',
  ];
}

const GIF_PALETTE =
  'split[a][b];[a]palettegen=max_colors=64:stats_mode=full[p];[b][p]paletteuse=dither=none';

function gifOptions(attempt: Attempt): string[] {
  const filter = `scale=${attempt.size}:${attempt.size}:flags=neighbor,${GIF_PALETTE}`;
  return ['-filter_complex', filter, '-loop 0', '-f gif'];
}

/** Tries each attempt in order until the file fits in `maxBytes`. */
async function encodeUnder(
  frames: VideoFrames,
  input: string,
  output: string,
  attempts: Attempt[],
  maxBytes: number,
  options: (attempt: Attempt) => string[],
): Promise<{ bytes: Buffer; size: number }> {
  let last = 0;
  for (const attempt of attempts) {
    await run(input, frames, output, options(attempt));
    const bytes = await readFile(output);
    if (bytes.byteLength <= maxBytes) return { bytes, size: attempt.size };
    last = bytes.byteLength;
  }
  throw new Error(
    `${output.split('.').pop()} stays at ${last} bytes, over the ${maxBytes}-byte limit`,
  );
}

/** Even display sizes from `displaySize` down to the native size (H.264 needs even sides). */
function sizes(displaySize: number, native: number): number[] {
  const out: number[] = [];
  for (let size = displaySize; size >= native; size = Math.floor(size / 2))
    out.push(size - (size % 2));
  return out.length > 0 ? out : [native];
}

export async function encodeVideo(
  frames: VideoFrames,
  displaySize: number,
  maxBytes: number,
): Promise<EncodedVideo> {
  const dir = await mkdtemp(join(tmpdir(), 'firstframe-video-'));
  try {
    const input = join(dir, 'frames.rgb');
    await writeFile(input, frames.pixels);
    const side = sizes(displaySize, frames.width);
    const mp4Attempts = side.flatMap((size) => [18, 28, 36].map((crf) => ({ size, crf })));
    const gifAttempts = side.map((size) => ({ size, crf: 0 }));
    // Both at once: two ffmpeg processes take about the longer one's time, not the sum. Both
    // settle before the folder is removed, so a failed one never cuts off the other's output.
    const [mp4, gif] = await Promise.allSettled([
      encodeUnder(frames, input, join(dir, 'out.mp4'), mp4Attempts, maxBytes, (a) =>
        mp4Options(a, frames.frames),
      ),
      encodeUnder(frames, input, join(dir, 'out.gif'), gifAttempts, maxBytes, gifOptions),
    ]);
    if (mp4.status === 'rejected') throw mp4.reason;
    if (gif.status === 'rejected') throw gif.reason;
    const [m, g] = [mp4.value, gif.value];
    return { mp4: m.bytes, gif: g.bytes, mp4Size: m.size, gifSize: g.size };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An animated GIF of `frames` at their own size (no upscaling; a continuation preview). */
export async function encodeGif(frames: VideoFrames): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'firstframe-gif-'));
  try {
    const input = join(dir, 'frames.rgb');
    const output = join(dir, 'out.gif');
    await writeFile(input, frames.pixels);
    await run(input, frames, output, ['-filter_complex', GIF_PALETTE, '-loop 0', '-f gif']);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A video file (MP4, GIF, WebM: whatever ffmpeg reads) -> its frames at `width` x `height`,
 * each centre-cropped to a square and scaled (area average), at most `maxFrames` of them (more
 * is refused). Unreadable input is an EngineInputError on `field`. */
export async function readVideoFrames(
  bytes: Uint8Array,
  size: { width: number; height: number },
  maxFrames: number,
  field = 'video',
): Promise<{ pixels: Uint8Array; frames: number }> {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) {
    throw new EngineInputError(field, 'the video is empty; send an MP4 (or GIF) file');
  }
  const dir = await mkdtemp(join(tmpdir(), 'firstframe-read-'));
  try {
    const input = join(dir, 'in');
    await writeFile(input, bytes);
    const filter =
      "crop='min(iw,ih)':'min(iw,ih)'," + `scale=${size.width}:${size.height}:flags=area`;
    const args = ['-v', 'error', '-i', input, '-vf', filter, '-frames:v', String(maxFrames + 1)];
    const frameBytes = size.width * size.height * 3;
    const { stdout } = await execFileAsync(
      FFMPEG_PATH,
      [...args, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
      { encoding: 'buffer', maxBuffer: (maxFrames + 1) * frameBytes + 1024 },
    ).catch((error: { stderr?: Buffer }) => {
      const reason =
        String(error.stderr ?? '')
          .trim()
          .split('\n')
          .at(-1) ?? '';
      throw new EngineInputError(
        field,
        `the video could not be read (${reason || 'ffmpeg failed'})`,
      );
    });
    const frames = Math.floor(stdout.byteLength / frameBytes);
    if (frames === 0) throw new EngineInputError(field, 'the video has no frames');
    if (frames > maxFrames) {
      throw new EngineInputError(
        field,
        `the video has more than ${maxFrames} frames; at most ${maxFrames} are allowed`,
      );
    }
    return {
      pixels: new Uint8Array(stdout.buffer, stdout.byteOffset, frames * frameBytes),
      frames,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
