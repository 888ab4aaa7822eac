// The public engine: loadEngine(modelDir, options) -> generateCandidates / animate /
// describe / close. By default the whole engine (request checks, inference, encoding) runs in
// a worker thread (thread-host.ts) and the caller gets a stand-in that forwards to it; with
// `useWorker: false` it runs on the calling thread, one job at a time in call order. Requests
// are checked before any inference.
import { EngineAbortedError } from './errors.js';
import { encodeGrid, encodePng, readUpload } from './images.js';
import { runAnimateJob, runCandidatesJob } from './jobs.js';
import { readModelFolder, type ModelFolder } from './model-folder.js';
import { resolveEngineOptions, type EngineOptions } from './options.js';
import type { RequestLimits } from '../core/contract.js';
import {
  checkAnimateSettings,
  checkCandidatesRequest,
  type AnimateJob,
  type AnimateRequest,
  type CandidatesJob,
  type CandidatesRequest,
  type Progress,
  requestLimitsOf,
} from './requests.js';
import type { StepHooks } from './pipelines/hooks.js';
import { ModelRuntime } from './runtime.js';
import { ThreadHost, threadModule } from './thread-host.js';
import { encodeVideo } from './video.js';

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
  frames: number;
  fps: number;
  /** Side in pixels of the square MP4 and GIF (smaller than displaySize if over the limit). */
  mp4Size: number;
  gifSize: number;
  settings: AnimateJob;
  inferenceMs: number;
  encodeMs: number;
}

export interface EngineDescription {
  name: string;
  modelDir: string;
  image: { width: number; height: number };
  video: { frames: number; fps: number };
  defaults: ModelFolder['manifest']['defaults'];
  schedulers: readonly string[];
  knownWords: string[];
  limits: RequestLimits & { maxMediaBytes: number; maxUploadBytes: number; maxUploadSide: number };
  provider: EngineOptions['provider'];
}

export interface Engine {
  generateCandidates(request: CandidatesRequest): Promise<CandidatesResult>;
  animate(request: AnimateRequest): Promise<AnimationResult>;
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
  private infer(
    run: (hooks: StepHooks) => Promise<Uint8Array>,
    signal: AbortSignal | undefined,
    onStep: (step: number, total: number) => void,
  ): Promise<Uint8Array> {
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
    throwIfAborted(request.signal);
    // 2. Run the text-to-image model for all candidates at once.
    const started = performance.now();
    const pixels = await this.infer(
      (hooks) => runCandidatesJob(this.runtime, job, hooks),
      request.signal,
      (step, total) => report(request.onProgress, { stage: 'candidates', step, total }),
    );
    const inferenceMs = performance.now() - started;
    // 3. Encode PNGs and the numbered grid.
    const size = this.imageSize;
    const perImage = size.width * size.height * 3;
    const images = job.seeds.map((_, i) => pixels.subarray(i * perImage, (i + 1) * perImage));
    const pngs = await Promise.all(images.map((rgb) => encodePng(rgb, size)));
    const grid = await encodeGrid(images, size, this.options.displaySize);
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
    const firstFrame = await readUpload(request.image, this.imageSize, {
      maxBytes: this.options.maxUploadBytes,
      maxSide: this.options.maxUploadSide,
    });
    throwIfAborted(request.signal);
    // 2. Run the image-to-video model.
    const started = performance.now();
    const pixels = await this.infer(
      (hooks) => runAnimateJob(this.runtime, job, firstFrame, hooks),
      request.signal,
      (step, total) => report(request.onProgress, { stage: 'video', step, total }),
    );
    const inferenceMs = performance.now() - started;
    throwIfAborted(request.signal);
    // 3. Encode MP4 + GIF under the size limit.
    report(request.onProgress, { stage: 'encode', step: 0, total: 1 });
    const { video } = this.folder.manifest;
    const encodeStarted = performance.now();
    const encoded = await encodeVideo(
      { pixels, frames: video.num_frames, fps: video.fps, ...this.imageSize },
      this.options.displaySize,
      this.options.maxMediaBytes,
    );
    report(request.onProgress, { stage: 'encode', step: 1, total: 1 });
    return {
      ...encoded,
      frames: video.num_frames,
      fps: video.fps,
      settings: job,
      inferenceMs,
      encodeMs: performance.now() - encodeStarted,
    };
  }

  describe(): EngineDescription {
    const { manifest } = this.folder;
    return {
      name: manifest.name,
      modelDir: this.folder.dir,
      image: this.imageSize,
      video: { frames: manifest.video.num_frames, fps: manifest.video.fps },
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
