// Messages between a worker's main thread and its engine thread (see engine-host.ts).
import type {
  AnimationOutput,
  AnimationRequest,
  CandidatesOutput,
  CandidatesRequest,
  EngineModuleRef,
  JobProgress,
} from '../engine-port.js';
import type { JobKind } from '../../core/contract.js';

type Plain<T> = Omit<T, 'onProgress' | 'signal'>;
export type RequestOf<K extends JobKind> = K extends 'candidates'
  ? Plain<CandidatesRequest>
  : Plain<AnimationRequest>;
export type OutputOf<K extends JobKind> = K extends 'candidates'
  ? CandidatesOutput
  : AnimationOutput;

/** An error as it crosses the thread boundary (its class is lost, its name is kept). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type ToThread =
  | { type: 'init'; engine: EngineModuleRef }
  | { type: 'run'; id: number; kind: JobKind; request: RequestOf<JobKind> }
  | { type: 'abort'; id: number; reason: string }
  | { type: 'close' };

export type FromThread =
  | { type: 'ready' }
  | { type: 'init-failed'; error: SerializedError }
  | { type: 'progress'; id: number; progress: JobProgress }
  | { type: 'done'; id: number; output: OutputOf<JobKind> }
  | { type: 'failed'; id: number; error: SerializedError }
  | { type: 'closed' };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error)
    return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  const result = new Error(error.message);
  result.name = error.name;
  if (error.stack) result.stack = error.stack;
  return result;
}
