// The public engine: loadEngine(modelDir, options) -> generateCandidates / animate /
// describe / close. Requests are checked here, on the caller's thread, before any
// inference; inference runs in the executor (a worker thread by default).
import { EngineAbortedError } from './errors.js';
import { InProcessExecutor, WorkerExecutor, type Executor } from './executor.js';
import { encodeGrid, encodePng, readUpload } from './images.js';
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
  const folder = readModelFolder(modelDir);
  const executor: Executor = options.useWorker
    ? await WorkerExecutor.open(folder, options)
    : await InProcessExecutor.open(folder, options);
  return new OnnxEngine(folder, options, executor);
}

class OnnxEngine implements Engine {
  private readonly limits: RequestLimits;

  constructor(
    private readonly folder: ModelFolder,
    private readonly options: EngineOptions,
    private readonly executor: Executor,
  ) {
    this.limits = requestLimitsOf(folder);
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
    const pixels = await this.executor.candidates(job, {
      signal: request.signal,
      onStep: (step, total) => report(request.onProgress, { stage: 'candidates', step, total }),
    });
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
    const pixels = await this.executor.animate(job, firstFrame, {
      signal: request.signal,
      onStep: (step, total) => report(request.onProgress, { stage: 'video', step, total }),
    });
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
    return this.executor.close();
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
