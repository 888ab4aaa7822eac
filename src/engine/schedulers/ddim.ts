// DDIM for v-prediction, as diffusers' DDIMScheduler with set_alpha_to_one = false:
// prev_t = t - T // n, and alpha_bar_prev = alpha_bar[0] below 0. eta = 0 is the deterministic
// sampler; eta > 0 adds fresh noise each step (eta = 1 is DDPM-like ancestral sampling), which
// lets later steps correct what earlier ones got wrong (the video's doubled objects:
// training/experiments/15-ddim-eta.md).
import type { Scheduler } from './scheduler.js';
import { TrailingScheduler } from './base.js';
import type { SchedulerConfig } from './schedule.js';

export class DdimScheduler extends TrailingScheduler implements Scheduler {
  readonly name = 'ddim' as const;
  readonly initNoiseSigma = 1;
  readonly stochastic: boolean;

  constructor(
    config: SchedulerConfig,
    private readonly eta = 0,
  ) {
    super(config);
    this.stochastic = eta > 0;
  }

  modelInputScale(): number {
    return 1;
  }

  step(v: Float32Array, t: number, sample: Float32Array, noise?: Float32Array): Float32Array {
    const prevT = t - Math.floor(this.numTrainTimesteps / this.stepCount);
    const aT = this.alphasCumprod[t]!;
    const aPrev = this.alphasCumprod[prevT >= 0 ? prevT : 0]!;
    const sa = Math.sqrt(aT);
    const s1a = Math.sqrt(1 - aT);
    // diffusers' std_dev_t = eta * sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)).
    const std = this.eta * Math.sqrt(((1 - aPrev) / (1 - aT)) * (1 - aT / aPrev));
    if (std > 0 && (noise === undefined || noise.length !== sample.length)) {
      throw new RangeError(`DDIM with eta ${this.eta} needs unit noise of ${sample.length} values`);
    }
    const sPrev = Math.sqrt(aPrev);
    const direction = Math.sqrt(Math.max(0, 1 - aPrev - std * std));
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i]!;
      const x0 = sa * x - s1a * v[i]!;
      const eps = sa * v[i]! + s1a * x;
      sample[i] = sPrev * x0 + direction * eps + (std > 0 ? std * noise![i]! : 0);
    }
    return sample;
  }
}
