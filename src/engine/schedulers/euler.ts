// Euler in sigma space for v-prediction, as diffusers' EulerDiscreteScheduler. The sample
// lives at scale sqrt(sigma^2 + 1): noise starts at init_noise_sigma (the largest sigma) and
// the model sees sample / sqrt(sigma^2 + 1).
import type { Scheduler } from './scheduler.js';
import { SigmaScheduler } from './base.js';

export class EulerScheduler extends SigmaScheduler implements Scheduler {
  readonly name = 'euler' as const;
  initNoiseSigma = 1;
  readonly stochastic = false;

  override setTimesteps(n: number): void {
    super.setTimesteps(n);
    this.initNoiseSigma = Math.max(...this.sigmas);
  }

  modelInputScale(): number {
    const sigma = this.sigmas[this.stepIndex]!;
    return 1 / Math.sqrt(sigma * sigma + 1);
  }

  step(v: Float32Array, _t: number, sample: Float32Array): Float32Array {
    const sigma = this.sigmas[this.stepIndex]!;
    const sigmaNext = this.sigmas[this.stepIndex + 1]!;
    const cOut = -sigma / Math.sqrt(sigma * sigma + 1);
    const cSkip = 1 / (sigma * sigma + 1);
    const dt = sigmaNext - sigma;
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i]!;
      const x0 = cOut * v[i]! + cSkip * x;
      sample[i] = x + ((x - x0) / sigma) * dt;
    }
    this.stepIndex++;
    return sample;
  }
}
