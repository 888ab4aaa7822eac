// The one small surface every sampler has (as in diffusers): configure from
// scheduler_config.json, setTimesteps(n), then for each t: scale the model input, run the
// model, step(modelOutput, t, sample). `step` updates `sample` in place and returns it.
import type { SchedulerName } from '../../core/contract.js';

export { SCHEDULERS, isSchedulerName, type SchedulerName } from '../../core/contract.js';

export interface Scheduler {
  readonly name: SchedulerName;
  /** Training timesteps (0..T-1) to visit, highest first. Set by setTimesteps. */
  readonly timesteps: readonly number[];
  /** Multiply unit Gaussian noise by this to get the first sample. */
  readonly initNoiseSigma: number;
  /** True when step() adds fresh noise (DDIM with eta > 0): the caller then passes it. */
  readonly stochastic: boolean;
  setTimesteps(numInferenceSteps: number): void;
  /** Starts the schedule set by setTimesteps `k` steps in, with the same step sizes (SDEdit:
   * denoising a noised image from a lower timestep). Call it right after setTimesteps. */
  skipSteps(k: number): void;
  /** Factor the model input is multiplied by at the current step (1 except for Euler). */
  modelInputScale(timestep: number): number;
  /** One denoising step on v-prediction output; writes the previous sample into `sample`.
   * `noise` (unit Gaussian, the sample's size) is read only by a stochastic scheduler. */
  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    noise?: Float32Array,
  ): Float32Array;
}

/** Sampler settings beyond the name (as diffusers' pipelines pass `eta` to DDIM's step). */
export interface SchedulerOptions {
  /** DDIM's eta: 0 deterministic, 1 DDPM-like; the other schedulers take only 0. */
  eta?: number;
}
