// Deterministic DDIM (eta = 0) for v-prediction, as diffusers' DDIMScheduler with
// set_alpha_to_one = false: prev_t = t - T // n, and alpha_bar_prev = alpha_bar[0] below 0.
import type { Scheduler } from './scheduler.js';
import { TrailingScheduler } from './base.js';

export class DdimScheduler extends TrailingScheduler implements Scheduler {
  readonly name = 'ddim' as const;
  readonly initNoiseSigma = 1;

  modelInputScale(): number {
    return 1;
  }

  step(v: Float32Array, t: number, sample: Float32Array): Float32Array {
    const prevT = t - Math.floor(this.numTrainTimesteps / this.timesteps.length);
    const aT = this.alphasCumprod[t]!;
    const aPrev = this.alphasCumprod[prevT >= 0 ? prevT : 0]!;
    const sa = Math.sqrt(aT);
    const s1a = Math.sqrt(1 - aT);
    const sPrev = Math.sqrt(aPrev);
    const s1Prev = Math.sqrt(1 - aPrev);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i]!;
      const x0 = sa * x - s1a * v[i]!;
      const eps = sa * v[i]! + s1a * x;
      sample[i] = sPrev * x0 + s1Prev * eps;
    }
    return sample;
  }
}
