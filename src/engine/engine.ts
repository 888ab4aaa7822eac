// The public engine: loadEngine(modelDir, options) -> generateCandidates / animate / extend /
// describe / close. By default the whole engine (request checks, inference, encoding) runs in
// a worker thread (thread-host.ts) and the caller gets a stand-in that forwards to it; with
// `useWorker: false` it runs on the calling thread, one job at a time in call order. Requests
// are checked before any inference.
import { EngineAbortedError, EngineInputError } from './errors.js';
import { startLauncher } from './ffmpeg-launcher.js';
import { encodeGrid, encodePng, readUpload } from './images.js';
import { runAnimateJob, runCandidatesJob, runExtendJob } from './jobs.js';
import { videoMasksOf, type VideoMask } from './manifest.js';
import { readModelFolder, type ModelFolder } from './model-folder.js';
import { resolveEngineOptions, type EngineOptions } from './options.js';
import type { RequestLimits } from '../core/contract.js';
import {
  checkAnimateSettings,
  checkCandidatesRequest,
  checkExtendFrames,
  checkExtendSettings,
  MAX_EXTEND_INPUT_FRAMES,
  type AnimateJob,
  type AnimateRequest,
  type CandidatesJob,
  type CandidatesRequest,
  type ExtendJob,
  type ExtendRequest,
  type Progress,
  type VideoFrames,
  requestLimitsOf,
} from './requests.js';
import type { StepHooks } from './pipelines/hooks.js';
import { ModelRuntime } from './runtime.js';
import { ThreadHost, threadModule } from './thread-host.js';
import { readVideoFrames, VideoEncoding, type EncodedVideo } from './video.js';

export interface Candidate {
  /** 1..4, as drawn on the grid. */
  number: number;
  seed: number;
  /** PNG at the model's resolution (exact model output; pass it back to animate()). */
  png: Buffer;
}

export interface CandidatesResult {
  candidates: Candidate[];
  /** 2x2 grid PNG, upscaled for display, numbered 1-4. */
  grid: Buffer;
  settings: CandidatesJob;
  inferenceMs: number;
}

export interface AnimationResult {
  mp4: Buffer;
  gif: Buffer;
  /** The model's num_frames, or 2 num_frames - 1 when interpolated. */
  frames: number;
  /** The model's fps, or twice it when interpolated. */
  fps: number;
  /** Side in pixels of the square MP4 and GIF (smaller than displaySize if over the limit). */
  mp4Size: number;
  gifSize: number;
  settings: AnimateJob;
  inferenceMs: number;
  encodeMs: number;
}

/** The whole video: the input's frames (at the model's size), then the new ones. */
export interface ExtensionResult extends Omit<AnimationResult, 'settings'> {
  /** Frames added after the input's: F - k. */
  newFrames: number;
  /** The new frames' RGB pixels at the model's size, newFrames x H x W x 3 (a preview's cells). */
  added: Uint8Array;
  settings: ExtendJob;
}

export interface EngineDescription {
  name: string;
  modelDir: string;
  image: { width: number; height: number };
  video: { frames: number; fps: number };
  /** What the video model was trained for: "first" (image-to-video), "interpolate", "continue". */
  videoMasks: readonly VideoMask[];
  defaults: ModelFolder['manifest']['defaults'];
  schedulers: readonly string[];
  knownWords: string[];
  limits: RequestLimits & { maxMediaBytes: number; maxUploadBytes: number; maxUploadSide: number };
  provider: EngineOptions['provider'];
  /** Side of a displayed video and of a grid cell (EngineOptions.displaySize). */
  displaySize: number;
}

export interface Engine {
  generateCandidates(request: CandidatesRequest): Promise<CandidatesResult>;
  animate(request: AnimateRequest): Promise<AnimationResult>;
  /** Continues a video: F - k new frames after its last k (k > 1 needs "continue" in
   * video_masks; any video model continues from the last frame, k = 1, through "first"). */
  extend(request: ExtendRequest): Promise<ExtensionResult>;
  describe(): EngineDescription;
  close(): Promise<void>;
}

export async function loadEngine(
  modelDir: string,
  partialOptions: Partial<EngineOptions> = {},
): Promise<Engine> {
  const options = resolveEngineOptions(partialOptions);
  if (options.useWorker) return EngineInThread.open(modelDir, { ...options, useWorker: false });
  const folder = readModelFolder(modelDir);
  startLauncher(); // while this process is small: see ffmpeg-launcher.ts
  return new OnnxEngine(folder, options, await ModelRuntime.open(folder, options));
}

// The thread runs this module's own loadEngine (with `useWorker: false`).
const ENGINE_MODULE = threadModule<typeof loadEngine>(new URL(import.meta.url), 'loadEngine');

/** The caller's side of an engine in its thread. */
class EngineInThread implements Engine {
  private constructor(
    private readonly host: ThreadHost<Engine>,
    private readonly description: EngineDescription,
  ) {}

  static async open(modelDir: string, options: EngineOptions): Promise<Engine> {
    const host = await ThreadHost.open(ENGINE_MODULE, modelDir, options);
    const description = await host.call('describe').catch(async (error: unknown) => {
      await host.close();
      throw error;
    });
    return new EngineInThread(host, description);
  }

  // Buffers arrive as plain Uint8Arrays (structured clone): give them their class back.
  async generateCandidates(request: CandidatesRequest): Promise<CandidatesResult> {
    const result = await this.host.call('generateCandidates', request);
    const candidates = result.candidates.map((c) => ({ ...c, png: asBuffer(c.png) }));
    return { ...result, candidates, grid: asBuffer(result.grid) };
  }

  async animate(request: AnimateRequest): Promise<AnimationResult> {
    const result = await this.host.call('animate', request);
    return { ...result, mp4: asBuffer(result.mp4), gif: asBuffer(result.gif) };
  }

  async extend(request: ExtendRequest): Promise<ExtensionResult> {
    const result = await this.host.call('extend', request);
    return { ...result, mp4: asBuffer(result.mp4), gif: asBuffer(result.gif) };
  }

  describe(): EngineDescription {
    return this.description;
  }

  close(): Promise<void> {
    return this.host.close();
  }
}

const asBuffer = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The engine on this thread. */
class OnnxEngine implements Engine {
  private readonly limits: RequestLimits;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly folder: ModelFolder,
    private readonly options: EngineOptions,
    private readonly runtime: ModelRuntime,
  ) {
    this.limits = requestLimitsOf(folder);
  }

  /** Runs inference after every earlier job settled: one job at a time, in call order. */
  private infer<T>(
    run: (hooks: StepHooks) => Promise<T>,
    signal: AbortSignal | undefined,
    onStep: (step: number, total: number) => void,
  ): Promise<T> {
    const task = () => run({ onStep, isCancelled: () => signal?.aborted ?? false });
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private get imageSize() {
    const { width, height } = this.folder.manifest.image;
    return { width, height };
  }

  async generateCandidates(request: CandidatesRequest): Promise<CandidatesResult> {
    // 1. Check inputs (throws EngineInputError before any inference).
    const job = checkCandidatesRequest(request, this.folder.manifest, this.limits);
    const initPixels = request.init ? await this.readImage(request.init.image) : undefined;
    throwIfAborted(request.signal);
    // 2. Run the text-to-image model for all candidates at once (variations: from the init).
    const started = performance.now();
    const pixels = await this.infer(
      (hooks) => runCandidatesJob(this.runtime, job, hooks, initPixels),
      request.signal,
      (step, total) => report(request.onProgress, { stage: 'candidates', step, total }),
    );
    const inferenceMs = performance.now() - started;
    // 3. Encode PNGs and the numbered grid.
    const size = this.imageSize;
    const perImage = size.width * size.height * 3;
    const images = job.seeds.map((_, i) => pixels.subarray(i * perImage, (i + 1) * perImage));
    const [pngs, grid] = await Promise.all([
      Promise.all(images.map((rgb) => encodePng(rgb, size))),
      encodeGrid(images, size, this.options.displaySize),
    ]);
    return {
      candidates: pngs.map((png, i) => ({ number: i + 1, seed: job.seeds[i]!, png })),
      grid,
      settings: job,
      inferenceMs,
    };
  }

  async animate(request: AnimateRequest): Promise<AnimationResult> {
    // 1. Check inputs and read the first frame (type, size, dimensions) before inference.
    const job = checkAnimateSettings(request, this.folder.manifest, this.limits);
    const firstFrame = await this.readImage(request.image);
    throwIfAborted(request.signal);
    // 2. Run the image-to-video model (then interpolation, if asked).
    const fps = this.folder.manifest.video.fps * (job.interpolate ? 2 : 1);
    const started = performance.now();
    const { video, encoding } = await this.inferVideo(
      fps,
      (hooks) => runAnimateJob(this.runtime, job, firstFrame, hooks),
      request,
    );
    const inferenceMs = performance.now() - started;
    // 3. Encode MP4 + GIF under the size limit.
    const encoded = await this.encode(video, fps, encoding, request);
    return { ...encoded, settings: job, inferenceMs };
  }

  async extend(request: ExtendRequest): Promise<ExtensionResult> {
    // 1. Check the settings, read the video's frames, check them, before inference.
    const { manifest } = this.folder;
    const job = checkExtendSettings(request, manifest, this.limits);
    const input =
      request.video instanceof Uint8Array ? await this.readVideo(request.video) : request.video;
    checkExtendFrames(input, manifest, job);
    throwIfAborted(request.signal);
    // 2. Sample the frames that follow the last contextFrames.
    const fps = manifest.video.fps;
    const started = performance.now();
    const { video: added, encoding } = await this.inferVideo(
      fps,
      (hooks) => runExtendJob(this.runtime, job, input, hooks),
      request,
    );
    const inferenceMs = performance.now() - started;
    // 3. The whole video: the input's frames, then the new ones.
    const pixels = new Uint8Array(input.pixels.length + added.pixels.length);
    pixels.set(input.pixels);
    pixels.set(added.pixels, input.pixels.length);
    const whole = { pixels, frames: input.frames + added.frames };
    const encoded = await this.encode(whole, fps, encoding, request);
    return {
      ...encoded,
      newFrames: added.frames,
      added: added.pixels,
      settings: job,
      inferenceMs,
    };
  }

  /** An image's pixels at the model's size, checked like an upload (type, bytes, sides). */
  private readImage(bytes: Uint8Array): Promise<Uint8Array> {
    return readUpload(bytes, this.imageSize, {
      maxBytes: this.options.maxUploadBytes,
      maxSide: this.options.maxUploadSide,
    });
  }

  private async readVideo(bytes: Uint8Array): Promise<VideoFrames> {
    if (bytes.byteLength > this.options.maxUploadBytes) {
      throw new EngineInputError(
        'video',
        `the video is ${bytes.byteLength} bytes; at most ${this.options.maxUploadBytes} are allowed`,
      );
    }
    return readVideoFrames(bytes, this.imageSize, MAX_EXTEND_INPUT_FRAMES);
  }

  /** A video job through `infer`, with its MP4 + GIF encoders started as the job starts: they
   * load while the model runs, so only the encoding itself follows the last step. */
  private async inferVideo(
    fps: number,
    run: (hooks: StepHooks) => Promise<VideoFrames>,
    request: { signal?: AbortSignal; onProgress?: (progress: Progress) => void },
  ): Promise<{ video: VideoFrames; encoding: VideoEncoding }> {
    const started: { encoding?: VideoEncoding } = {};
    const video = await this.infer(
      (hooks) => {
        const { displaySize, maxMediaBytes } = this.options;
        started.encoding = new VideoEncoding(
          { ...this.imageSize, fps },
          displaySize,
          maxMediaBytes,
        );
        return run(hooks);
      },
      request.signal,
      (step, total) => report(request.onProgress, { stage: 'video', step, total }),
    ).catch(async (error: unknown) => {
      await started.encoding?.cancel();
      throw error;
    });
    return { video, encoding: started.encoding! };
  }

  /** MP4 + GIF of `video` under the size limit, by `encoding` (started for it at `fps`), with
   * the encode stage reported. */
  private async encode(
    video: VideoFrames,
    fps: number,
    encoding: VideoEncoding,
    request: { signal?: AbortSignal; onProgress?: (progress: Progress) => void },
  ): Promise<EncodedVideo & { frames: number; fps: number; encodeMs: number }> {
    if (request.signal?.aborted) await encoding.cancel();
    throwIfAborted(request.signal);
    report(request.onProgress, { stage: 'encode', step: 0, total: 1 });
    const started = performance.now();
    const encoded = await encoding.finish(video.pixels);
    report(request.onProgress, { stage: 'encode', step: 1, total: 1 });
    return { ...encoded, frames: video.frames, fps, encodeMs: performance.now() - started };
  }

  describe(): EngineDescription {
    const { manifest } = this.folder;
    return {
      name: manifest.name,
      modelDir: this.folder.dir,
      image: this.imageSize,
      video: { frames: manifest.video.num_frames, fps: manifest.video.fps },
      videoMasks: videoMasksOf(manifest),
      defaults: manifest.defaults,
      schedulers: this.limits.schedulers,
      knownWords: this.folder.tokenizer.knownWords(),
      limits: {
        ...this.limits,
        maxMediaBytes: this.options.maxMediaBytes,
        maxUploadBytes: this.options.maxUploadBytes,
        maxUploadSide: this.options.maxUploadSide,
      },
      provider: this.options.provider,
      displaySize: this.options.displaySize,
    };
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineAbortedError();
}

/** A progress listener's own error must not break generation. */
function report(listener: ((progress: Progress) => void) | undefined, progress: Progress): void {
  try {
    listener?.(progress);
  } catch {
    // ignored on purpose
  }
}
