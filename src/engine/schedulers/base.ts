// State every scheduler here shares: the alpha_bar table and the trailing timesteps, plus
// (for the sigma-space samplers) the sigma per step and where in the run we are.
import { alphasCumprod, sigmasFor, trailingTimesteps, type SchedulerConfig } from './schedule.js';

export abstract class TrailingScheduler {
  timesteps: number[] = [];
  protected readonly alphasCumprod: Float64Array;
  protected readonly numTrainTimesteps: number;
  /** n of setTimesteps: the step size stays T / n when the first steps are skipped. */
  protected stepCount = 0;

  constructor(config: SchedulerConfig) {
    this.alphasCumprod = alphasCumprod(config);
    this.numTrainTimesteps = config.num_train_timesteps;
  }

  setTimesteps(n: number): void {
    this.timesteps = trailingTimesteps(this.numTrainTimesteps, n);
    this.stepCount = n;
  }

  skipSteps(k: number): void {
    this.timesteps = this.timesteps.slice(k);
  }
}

export abstract class SigmaScheduler extends TrailingScheduler {
  protected sigmas: number[] = [];
  protected stepIndex = 0;

  override setTimesteps(n: number): void {
    super.setTimesteps(n);
    this.sigmas = sigmasFor(this.alphasCumprod, this.timesteps);
    this.stepIndex = 0;
  }

  override skipSteps(k: number): void {
    super.skipSteps(k);
    this.sigmas = this.sigmas.slice(k);
  }
}
