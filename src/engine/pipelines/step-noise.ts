// Fresh noise for a stochastic sampler's steps (DDIM with eta > 0): one stream per sample of the
// batch, seeded from that sample's own seed, so a seed gives the same picture or video whatever
// else shares its batch.
import { createUint32Generator, fillGaussian } from '../rng.js';
import type { Scheduler } from '../schedulers/index.js';

/** Where a stochastic step's unit noise comes from: a seeded stream, or (parity tests) the noise
 * the reference drew. */
export interface StepNoiseSource {
  next(): Float32Array;
}

export class StepNoise implements StepNoiseSource {
  private readonly streams: (() => number)[];
  private readonly buffer: Float32Array;

  constructor(
    seeds: readonly number[],
    private readonly sizeEach: number,
  ) {
    this.streams = seeds.map((seed) => createUint32Generator(seed));
    this.buffer = new Float32Array(seeds.length * sizeEach);
  }

  /** Unit Gaussian noise for the next step, the batch's samples one after another. */
  next(): Float32Array {
    this.streams.forEach((stream, i) =>
      fillGaussian(this.buffer.subarray(i * this.sizeEach, (i + 1) * this.sizeEach), stream()),
    );
    return this.buffer;
  }
}

/** The step noise a scheduler needs, or undefined for a deterministic one. */
export function stepNoiseFor(
  scheduler: Scheduler,
  seeds: readonly number[] | undefined,
  sizeEach: number,
): StepNoise | undefined {
  if (!scheduler.stochastic) return undefined;
  if (seeds === undefined) throw new RangeError('a stochastic scheduler needs step-noise seeds');
  return new StepNoise(seeds, sizeEach);
}
