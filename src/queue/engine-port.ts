// What the queue needs from the engine (src/engine implements it through a small adapter).
// The engine is created inside the sandbox thread from a module the worker names, since a
// function cannot cross a thread boundary: see `EngineModuleRef`.

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
}

export interface AnimationOutput {
  mp4: Uint8Array;
  gif: Uint8Array;
  seed?: number;
}

export interface GenerationEngine {
  generateCandidates(request: CandidatesRequest): Promise<CandidatesOutput>;
  animate(request: AnimationRequest): Promise<AnimationOutput>;
  close(): Promise<void>;
}

/**
 * A module that creates the engine, loaded inside the sandbox thread:
 * `export async function createEngine(options): Promise<GenerationEngine>`.
 * Errors the engine throws for bad input must have `name === 'EngineInputError'`
 * (they fail the job at once, without retries); any other error is retried.
 */
export interface EngineModuleRef {
  /** Absolute path or file: URL of the module. */
  module: string;
  /** Export to call; default `createEngine`. */
  exportName?: string;
  /** Passed to the factory; must survive structured cloning (plain data). */
  options?: unknown;
}

export const ENGINE_INPUT_ERROR = 'EngineInputError';
