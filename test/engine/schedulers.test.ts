// Scheduler maths against closed forms (no model needed): the schedule's known values,
// diffusers' trailing timesteps, and exact recovery of x0 when the model output is the true v.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_SCHEDULER_CONFIG,
  SCHEDULERS,
  ZERO_SNR_CLAMP,
  alphasCumprod,
  createScheduler,
  trailingTimesteps,
  type SchedulerName,
} from '../../src/engine/schedulers/index.js';
import { fillGaussian } from '../../src/engine/rng.js';

const config = DEFAULT_SCHEDULER_CONFIG;
const table = alphasCumprod(config);

test('zero terminal SNR: alpha_bar starts at 1 - beta_start and ends at exactly 0', () => {
  assert.equal(table[999], 0);
  assert.ok(Math.abs(table[0]! - 0.9999) < 1e-15);
  // Values printed by the PyTorch reference (training/firstframe_train/schedule.py).
  assert.ok(Math.abs(table[1]! - 0.9997793254331531) < 1e-12);
  assert.ok(Math.abs(table[500]! - 0.0752462157043267) < 1e-12);
  assert.ok(Math.abs(table[998]! / 4.213262465088072e-9 - 1) < 1e-6);
  for (let i = 1; i < table.length; i++) assert.ok(table[i]! < table[i - 1]!, `decreasing at ${i}`);
});

test('trailing timesteps follow diffusers', () => {
  assert.deepEqual(trailingTimesteps(1000, 1), [999]);
  assert.deepEqual(trailingTimesteps(1000, 4), [999, 749, 499, 249]);
  assert.deepEqual(trailingTimesteps(1000, 10), [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
  // 1000/16 = 62.5: numpy rounds halves to even (937.5 -> 938 - 1 = 937).
  assert.deepEqual(
    trailingTimesteps(1000, 16),
    [999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61],
  );
  assert.throws(() => trailingTimesteps(1000, 0), /1\.\.1000/);
});

/** alpha_bar as each scheduler sees it: DPM-Solver and Euler clamp the final 0. */
function alphaBarSeenBy(name: SchedulerName, t: number): number {
  return name !== 'ddim' && t === 999 ? Math.max(table[t]!, ZERO_SNR_CLAMP) : table[t]!;
}

for (const name of SCHEDULERS) {
  test(`${name}: given the true v at every step, sampling lands on x0`, () => {
    const size = 64;
    const x0 = fillGaussian(new Float32Array(size), 1);
    const eps = fillGaussian(new Float32Array(size), 2);
    const scheduler = createScheduler(name, config);
    // 5 divides 1000: DDIM's prev_t = t - T // n then is exactly the next timestep.
    scheduler.setTimesteps(5);
    const first = alphaBarSeenBy(name, scheduler.timesteps[0]!);
    const sample = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const vp = Math.sqrt(first) * x0[i]! + Math.sqrt(1 - first) * eps[i]!;
      // Euler keeps its sample at scale sqrt(sigma^2 + 1) = 1 / sqrt(alpha_bar).
      sample[i] = name === 'euler' ? vp / Math.sqrt(first) : vp;
    }
    const v = new Float32Array(size);
    for (const t of scheduler.timesteps) {
      const a = alphaBarSeenBy(name, t);
      for (let i = 0; i < size; i++) v[i] = Math.sqrt(a) * eps[i]! - Math.sqrt(1 - a) * x0[i]!;
      scheduler.step(v, t, sample);
    }
    // DDIM's last step goes to alpha_bar[0] (set_alpha_to_one = false), not to pure x0.
    const aEnd = name === 'ddim' ? table[0]! : 1;
    let worst = 0;
    for (let i = 0; i < size; i++) {
      const expected = Math.sqrt(aEnd) * x0[i]! + Math.sqrt(1 - aEnd) * eps[i]!;
      worst = Math.max(worst, Math.abs(sample[i]! - expected));
    }
    assert.ok(worst < 1e-4, `max error ${worst}`);
  });
}

test('DDIM one step from t=999 (alpha_bar 0): x_t is pure noise and -v is x0', () => {
  const scheduler = createScheduler('ddim', config);
  scheduler.setTimesteps(4);
  const x0 = Float32Array.from([0.5, -1, 2]);
  const eps = Float32Array.from([1, 0.25, -0.75]);
  const v = x0.map((x) => -x);
  const sample = Float32Array.from(eps);
  scheduler.step(v, 999, sample);
  const a = table[749]!;
  sample.forEach((value, i) => {
    assert.ok(Math.abs(value - (Math.sqrt(a) * x0[i]! + Math.sqrt(1 - a) * eps[i]!)) < 1e-6);
  });
});

test('Euler starts from the largest sigma and scales the model input by 1/sqrt(sigma^2+1)', () => {
  const scheduler = createScheduler('euler', config);
  scheduler.setTimesteps(4);
  const sigmaMax = Math.sqrt((1 - ZERO_SNR_CLAMP) / ZERO_SNR_CLAMP);
  assert.ok(Math.abs(scheduler.initNoiseSigma / sigmaMax - 1) < 1e-12);
  assert.ok(Math.abs(scheduler.modelInputScale(999) - 1 / Math.sqrt(sigmaMax ** 2 + 1)) < 1e-12);
});

test('DDIM with eta: one step adds std * noise to the deterministic direction (diffusers formula)', () => {
  const size = 20000;
  const x0 = fillGaussian(new Float32Array(size), 3);
  const eps = fillGaussian(new Float32Array(size), 4);
  const noise = fillGaussian(new Float32Array(size), 5);
  const scheduler = createScheduler('ddim', config, { eta: 1 });
  assert.equal(scheduler.stochastic, true);
  scheduler.setTimesteps(4); // 999 -> 749 -> 499 -> 249
  const t = scheduler.timesteps[1]!;
  const [aT, aPrev] = [table[t]!, table[t - 250]!];
  const sample = new Float32Array(size);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    sample[i] = Math.sqrt(aT) * x0[i]! + Math.sqrt(1 - aT) * eps[i]!;
    v[i] = Math.sqrt(aT) * eps[i]! - Math.sqrt(1 - aT) * x0[i]!;
  }
  scheduler.step(v, t, sample, noise);
  const std = Math.sqrt(((1 - aPrev) / (1 - aT)) * (1 - aT / aPrev));
  const direction = Math.sqrt(1 - aPrev - std * std);
  let worst = 0;
  let variance = 0;
  for (let i = 0; i < size; i++) {
    const expected = Math.sqrt(aPrev) * x0[i]! + direction * eps[i]! + std * noise[i]!;
    worst = Math.max(worst, Math.abs(sample[i]! - expected));
    variance += (sample[i]! - Math.sqrt(aPrev) * x0[i]!) ** 2 / size;
  }
  assert.ok(worst < 1e-5, `max error ${worst}`);
  // Noise and direction together keep the marginal at the schedule's noise level 1 - a_prev.
  assert.ok(Math.abs(variance / (1 - aPrev) - 1) < 0.03, `variance ${variance} vs ${1 - aPrev}`);
  assert.ok(std > 0.1, `std ${std}: this step should add noise`);
});

test('DDIM with eta needs the step noise; eta is refused outside 0..1 and for other schedulers', () => {
  const scheduler = createScheduler('ddim', config, { eta: 0.5 });
  scheduler.setTimesteps(4);
  const sample = new Float32Array(8);
  assert.throws(() => scheduler.step(new Float32Array(8), 749, sample), /needs unit noise of 8/);
  assert.equal(createScheduler('ddim', config).stochastic, false);
  assert.throws(() => createScheduler('ddim', config, { eta: 1.5 }), /from 0 to 1, got 1.5/);
  assert.throws(() => createScheduler('dpmpp_2m', config, { eta: 0.5 }), /only to the ddim/);
});
