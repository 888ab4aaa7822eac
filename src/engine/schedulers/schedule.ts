// The noise schedule every sampler shares, as diffusers computes it: betas from
// `beta_schedule`, optionally rescaled to zero terminal SNR (Lin et al. 2024), and the
// "trailing" timestep spacing. Coefficients stay in float64; latents are float32.
import { z } from 'zod';

export const schedulerConfigSchema = z.object({
  num_train_timesteps: z.number().int().min(2),
  beta_schedule: z.enum(['linear', 'scaled_linear']),
  beta_start: z.number().positive(),
  beta_end: z.number().positive(),
  prediction_type: z.literal('v_prediction'),
  rescale_betas_zero_snr: z.boolean().default(false),
  timestep_spacing: z.literal('trailing'),
  clip_sample: z.literal(false).default(false),
  set_alpha_to_one: z.literal(false).default(false),
  steps_offset: z.literal(0).default(0),
});

export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;

/** Stable Diffusion-style defaults, with the options our models are trained with. */
export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  num_train_timesteps: 1000,
  beta_schedule: 'linear',
  beta_start: 0.0001,
  beta_end: 0.02,
  prediction_type: 'v_prediction',
  rescale_betas_zero_snr: true,
  timestep_spacing: 'trailing',
  clip_sample: false,
  set_alpha_to_one: false,
  steps_offset: 0,
};

function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = (end - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = i < n / 2 ? start + i * step : end - (n - 1 - i) * step;
  return out;
}

export function makeBetas(config: SchedulerConfig): Float64Array {
  const n = config.num_train_timesteps;
  let betas: Float64Array;
  if (config.beta_schedule === 'linear') {
    betas = linspace(config.beta_start, config.beta_end, n);
  } else {
    betas = linspace(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), n).map((b) => b * b);
  }
  return config.rescale_betas_zero_snr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** diffusers' `rescale_zero_terminal_snr`: shift and scale sqrt(alpha_bar) so the last
 * timestep has exactly zero signal while the first stays unchanged. */
export function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const n = betas.length;
  const sqrtBar = new Float64Array(n);
  let product = 1;
  for (let i = 0; i < n; i++) {
    product *= 1 - betas[i]!;
    sqrtBar[i] = Math.sqrt(product);
  }
  const first = sqrtBar[0]!;
  const last = sqrtBar[n - 1]!;
  const out = new Float64Array(n);
  let previousBar = 1;
  for (let i = 0; i < n; i++) {
    const s = ((sqrtBar[i]! - last) * first) / (first - last);
    const bar = s * s;
    out[i] = 1 - (i === 0 ? bar : bar / previousBar);
    previousBar = bar;
  }
  return out;
}

export function alphasCumprod(config: SchedulerConfig): Float64Array {
  const betas = makeBetas(config);
  const out = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= 1 - betas[i]!;
    out[i] = product;
  }
  return out;
}

/** numpy's np.round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** diffusers' "trailing" spacing: round(arange(T, 0, -T/n)) - 1, e.g. T=1000, n=4 ->
 * [999, 749, 499, 249]. Always exactly n entries (numpy's arange can give n+1 for some n). */
export function trailingTimesteps(numTrainTimesteps: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1 || n > numTrainTimesteps) {
    throw new RangeError(`number of steps must be 1..${numTrainTimesteps}, got ${n}`);
  }
  const ratio = numTrainTimesteps / n;
  return Array.from({ length: n }, (_, k) => roundHalfEven(numTrainTimesteps - k * ratio) - 1);
}

/** Karras-style sigma = sqrt((1 - alpha_bar) / alpha_bar) per timestep, then a final 0.
 * alpha_bar is clamped (zero terminal SNR makes the last one 0, i.e. infinite sigma). */
export const ZERO_SNR_CLAMP = 2 ** -24;

export function sigmasFor(alphasCumprodTable: Float64Array, timesteps: number[]): number[] {
  const lastIndex = alphasCumprodTable.length - 1;
  const sigmas = timesteps.map((t) => {
    // Only the last entry is clamped, as in diffusers (the others are small but not zero).
    const a =
      t === lastIndex ? Math.max(alphasCumprodTable[t]!, ZERO_SNR_CLAMP) : alphasCumprodTable[t]!;
    return Math.sqrt((1 - a) / a);
  });
  return [...sigmas, 0];
}
