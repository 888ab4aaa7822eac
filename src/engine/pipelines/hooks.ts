import { EngineAbortedError } from '../errors.js';

/** Progress and cancellation, checked between denoising steps. */
export interface StepHooks {
  onStep?: (step: number, total: number) => void;
  isCancelled?: () => boolean;
}

export function throwIfCancelled(hooks: StepHooks): void {
  if (hooks.isCancelled?.()) throw new EngineAbortedError();
}
