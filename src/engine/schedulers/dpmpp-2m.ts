// DPM-Solver++ 2M (midpoint), as diffusers' DPMSolverMultistepScheduler with
// final_sigmas_type "zero": first order on the first and the last step, second order between.
import type { Scheduler } from './scheduler.js';
import { SigmaScheduler } from './base.js';

interface SigmaTerms {
  alpha: number;
  sigma: number;
  lambda: number;
}

function terms(karrasSigma: number): SigmaTerms {
  const alpha = 1 / Math.sqrt(karrasSigma * karrasSigma + 1);
  const sigma = karrasSigma * alpha;
  return { alpha, sigma, lambda: sigma > 0 ? Math.log(alpha) - Math.log(sigma) : Infinity };
}

export class DpmSolver2mScheduler extends SigmaScheduler implements Scheduler {
  readonly name = 'dpmpp_2m' as const;
  readonly initNoiseSigma = 1;
  readonly stochastic = false;
  /** The previous step's x0 prediction (the second-order term needs it). */
  private previousX0: Float32Array | null = null;
  private hasPrevious = false;

  override setTimesteps(n: number): void {
    super.setTimesteps(n);
    this.hasPrevious = false;
  }

  modelInputScale(): number {
    return 1;
  }

  step(v: Float32Array, _t: number, sample: Float32Array): Float32Array {
    const i = this.stepIndex;
    const s = terms(this.sigmas[i]!);
    const next = terms(this.sigmas[i + 1]!);
    if (this.previousX0 === null || this.previousX0.length !== sample.length) {
      this.previousX0 = new Float32Array(sample.length);
    }
    const prevX0 = this.previousX0;
    const lastStep = i === this.timesteps.length - 1;
    const secondOrder = this.hasPrevious && i > 0 && !lastStep && next.sigma > 0;
    const h = next.lambda - s.lambda;
    const ratio = next.sigma / s.sigma;
    const coefX0 = next.sigma > 0 ? -next.alpha * Math.expm1(-h) : 0;
    let d1Scale = 0;
    if (secondOrder) {
      const previous = terms(this.sigmas[i - 1]!);
      const r0 = (s.lambda - previous.lambda) / h;
      d1Scale = (0.5 * coefX0) / r0; // prev -= 0.5 * alpha_t * expm1(-h) * (x0 - x0_prev) / r0
    }
    for (let k = 0; k < sample.length; k++) {
      const x = sample[k]!;
      const x0 = s.alpha * x - s.sigma * v[k]!;
      if (next.sigma === 0) {
        sample[k] = x0; // last step to sigma 0: the limit of the first-order update
      } else {
        let out = ratio * x + coefX0 * x0;
        if (secondOrder) out += d1Scale * (x0 - prevX0[k]!);
        sample[k] = out;
      }
      prevX0[k] = x0;
    }
    this.hasPrevious = true;
    this.stepIndex++;
    return sample;
  }
}
