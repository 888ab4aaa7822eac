// What the queue needs from the engine (src/engine implements it through a small adapter,
// src/adapters/onnx/onnx-engine.ts).

/** Where a job is: `stage` is a short word ("denoising", "decoding", ...), step i of n. */
export interface JobProgress {
  stage: string;
  step: number;
  total: number;
}

interface EngineCall {
  onProgress?: (progress: JobProgress) => void;
  /** Aborted on shutdown or cancellation; the engine stops between steps. */
  signal?: AbortSignal;
}

/** The sampling options of a job, named as the request contract names them. */
interface SamplingRequest extends EngineCall {
  prompt: string;
  negativePrompt?: string;
  steps?: number;
  guidance?: number;
  scheduler?: string;
}

export interface CandidatesRequest extends SamplingRequest {
  /** One per candidate (the bot showed and stored these). */
  seeds: number[];
  /** Variations of this PNG, re-noised to `strength` (the contract's range and default). */
  init?: { image: Uint8Array; strength?: number };
}

export interface CandidatesOutput {
  /** Four PNG images. */
  candidates: Uint8Array[];
  /** The 2x2 grid PNG with the numbers 1-4 drawn on it. */
  grid: Uint8Array;
  seeds: number[];
}

export interface AnimationRequest extends SamplingRequest {
  /** The first frame as PNG bytes. */
  image: Uint8Array;
  seed: number;
  imageGuidance?: number;
  /** Frames per second: the model's own, or twice it where the model interpolates. */
  fps?: number;
}

export interface AnimationOutput {
  mp4: Uint8Array;
  gif: Uint8Array;
  seed?: number;
}

/**
 * The engine a worker runs its jobs on. It must not block the worker's event loop (the loop
 * renews job locks and publishes progress): src/engine runs its engine in a worker thread
 * (thread-host.ts), and the tests' fake engine runs in the same host.
 * Errors it throws for bad input must have `name === 'EngineInputError'` (they fail the job at
 * once, without retries); any other error is retried.
 */
export interface ContinuationsRequest extends SamplingRequest {
  /** The story so far (MP4 bytes): each continuation is it, then its new frames. */
  video: Uint8Array;
  /** One per continuation (the four candidates of a round). */
  seeds: number[];
  /** How many of its last frames the new ones follow (default: the model's). */
  contextFrames?: number;
}

export interface ContinuationsOutput {
  /** PNG of each continuation's first new frame (what differs between them). */
  firstFrames: Uint8Array[];
  /** Animated GIF: the continuations' new frames in the 2x2 grid, numbered 1-4. */
  preview: Uint8Array;
  /** Each whole story: the input's frames, then the continuation's. */
  videos: { mp4: Uint8Array; gif: Uint8Array }[];
  seeds: number[];
}

export interface GenerationEngine {
  generateCandidates(request: CandidatesRequest): Promise<CandidatesOutput>;
  animate(request: AnimationRequest): Promise<AnimationOutput>;
  /** Continuations of a story video, one per seed ("extend together", issue 29). */
  continuations(request: ContinuationsRequest): Promise<ContinuationsOutput>;
  close(): Promise<void>;
}

export const ENGINE_INPUT_ERROR = 'EngineInputError';
