import { EngineAbortedError } from '../errors.js';

/** Progress and cancellation, checked between denoising steps. */
export interface StepHooks {
  onStep?: (step: number, total: number) => void;
  isCancelled?: () => boolean;
  /** Sees the latents after each step (parity tests, debugging); must not keep them. */
  onLatents?: (step: number, latents: Float32Array) => void;
}

export function throwIfCancelled(hooks: StepHooks): void {
  if (hooks.isCancelled?.()) throw new EngineAbortedError();
}
