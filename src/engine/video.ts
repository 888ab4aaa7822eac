// Frames -> MP4 (H.264, yuv420p, faststart: plays in Discord, Slack and browsers) and GIF,
// upscaled with nearest-neighbour for display, by the static ffmpeg that @ffmpeg-installer/ffmpeg
// ships, reading the raw frames on its stdin. Re-encodes smaller until under the size limit. And
// back: a video file -> its frames at the model's size (to extend a video).
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { promisify } from 'node:util';
import { EngineInputError } from './errors.js';
import { launch, type LaunchedRun } from './ffmpeg-launcher.js';

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

/** What ffmpeg must know of raw frames before it reads them. */
export interface FrameFormat {
  width: number;
  height: number;
  fps: number;
}

function startFfmpeg(format: FrameFormat, output: string, options: string[]): LaunchedRun {
  const input = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${format.width}x${format.height}`];
  const args = ['-v', 'error', '-y', ...input, '-r', String(format.fps), '-i', 'pipe:0'];
  const run = launch(FFMPEG_PATH, [...args, ...options, output]);
  run.done.catch(() => undefined); // awaited by whoever feeds it; a killed one is awaited by nobody
  return run;
}

function mp4Options(attempt: Attempt): string[] {
  return [
    ...['-vf', `scale=${attempt.size}:${attempt.size}:flags=neighbor`],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'medium', '-crf', String(attempt.crf)],
    ...['-movflags', '+faststart', '-an', '-f', 'mp4'],
  ];
}

const GIF_PALETTE =
  'split[a][b];[a]palettegen=max_colors=64:stats_mode=full[p];[b][p]paletteuse=dither=none';

/** A looping GIF through `filter` (which ends in the palette). */
const gifArgs = (filter: string) => ['-filter_complex', filter, '-loop', '0', '-f', 'gif'];

function gifOptions(attempt: Attempt): string[] {
  return gifArgs(`scale=${attempt.size}:${attempt.size}:flags=neighbor,${GIF_PALETTE}`);
}

/** Even display sizes from `displaySize` down to the native size (H.264 needs even sides). */
function sizes(displaySize: number, native: number): number[] {
  const out: number[] = [];
  for (let size = displaySize; size >= native; size = Math.floor(size / 2))
    out.push(size - (size % 2));
  return out.length > 0 ? out : [native];
}

interface Format {
  extension: 'mp4' | 'gif';
  attempts: Attempt[];
  options: (attempt: Attempt) => string[];
}

/**
 * An MP4 + GIF encoding whose ffmpeg processes start before the frames exist: started (by the
 * launcher, ffmpeg-launcher.ts) as a video job starts, they load while the model runs, so only
 * the encoding itself follows the last step. `finish(pixels)` feeds them; where a file comes out
 * over `maxBytes`, it re-encodes smaller (display size halved, then stronger CRF). `cancel()`
 * stops them when the job fails. Either way the temp folder is removed.
 */
export class VideoEncoding {
  private readonly dir = mkdtempSync(join(tmpdir(), 'firstframe-video-'));
  private readonly running = new Set<LaunchedRun>();
  private readonly mp4: Format;
  private readonly gif: Format;
  private readonly firstRuns: Map<Format, LaunchedRun>;

  constructor(
    private readonly format: FrameFormat,
    displaySize: number,
    private readonly maxBytes: number,
  ) {
    const side = sizes(displaySize, format.width);
    this.mp4 = {
      extension: 'mp4',
      attempts: side.flatMap((size) => [18, 28, 36].map((crf) => ({ size, crf }))),
      options: mp4Options,
    };
    this.gif = {
      extension: 'gif',
      attempts: side.map((size) => ({ size, crf: 0 })),
      options: gifOptions,
    };
    this.firstRuns = new Map([this.mp4, this.gif].map((f) => [f, this.start(f, 0)]));
  }

  async finish(pixels: Uint8Array): Promise<EncodedVideo> {
    try {
      const frameBytes = this.format.width * this.format.height * 3;
      if (pixels.byteLength === 0 || pixels.byteLength % frameBytes !== 0) {
        throw new RangeError(`${pixels.byteLength} bytes are not whole ${frameBytes}-byte frames`);
      }
      // Both at once: two ffmpeg processes take about the longer one's time, not the sum. Both
      // settle before the folder is removed, so a failed one never cuts off the other's output.
      const [mp4, gif] = await Promise.allSettled([
        this.fit(this.mp4, pixels),
        this.fit(this.gif, pixels),
      ]);
      if (mp4.status === 'rejected') throw mp4.reason;
      if (gif.status === 'rejected') throw gif.reason;
      const [m, g] = [mp4.value, gif.value];
      return { mp4: m.bytes, gif: g.bytes, mp4Size: m.size, gifSize: g.size };
    } finally {
      await this.cancel();
    }
  }

  /** Stops what still runs and removes the temp folder; safe to call more than once. */
  async cancel(): Promise<void> {
    for (const run of this.running) run.kill();
    await Promise.allSettled([...this.running].map((run) => run.done));
    await rm(this.dir, { recursive: true, force: true });
  }

  private output(format: Format, attempt: number): string {
    return join(this.dir, `${attempt}.${format.extension}`);
  }

  private start(format: Format, attempt: number): LaunchedRun {
    const options = format.options(format.attempts[attempt]!);
    const run = startFfmpeg(this.format, this.output(format, attempt), options);
    this.running.add(run);
    run.done.then(
      () => this.running.delete(run),
      () => this.running.delete(run),
    );
    return run;
  }

  /** Tries each attempt in order until the file fits in `maxBytes`. */
  private async fit(format: Format, pixels: Uint8Array): Promise<{ bytes: Buffer; size: number }> {
    let last = 0;
    for (const [i, attempt] of format.attempts.entries()) {
      const run = i === 0 ? this.firstRuns.get(format)! : this.start(format, i);
      run.feed(pixels);
      await run.done;
      const bytes = await readFile(this.output(format, i));
      if (bytes.byteLength <= this.maxBytes) return { bytes, size: attempt.size };
      last = bytes.byteLength;
    }
    throw new Error(
      `${format.extension} stays at ${last} bytes, over the ${this.maxBytes}-byte limit`,
    );
  }
}

/** MP4 + GIF of `frames` under `maxBytes` (see VideoEncoding, which a video job starts early). */
export function encodeVideo(
  frames: VideoFrames,
  displaySize: number,
  maxBytes: number,
): Promise<EncodedVideo> {
  return new VideoEncoding(frames, displaySize, maxBytes).finish(frames.pixels);
}

/** An animated GIF of `frames` at their own size (no upscaling; a continuation preview). */
export async function encodeGif(frames: VideoFrames): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'firstframe-gif-'));
  try {
    const output = join(dir, 'out.gif');
    const run = startFfmpeg(frames, output, gifArgs(GIF_PALETTE));
    run.feed(frames.pixels);
    await run.done;
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
