import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillGaussian } from '../../src/engine/rng.js';

test('same seed gives the same noise, different seeds differ', () => {
  const a = fillGaussian(new Float32Array(1024), 42);
  const b = fillGaussian(new Float32Array(1024), 42);
  const c = fillGaussian(new Float32Array(1024), 43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('noise is unit Gaussian (mean ~0, variance ~1) and finite', () => {
  const n = 200_000;
  const x = fillGaussian(new Float32Array(n), 7);
  let sum = 0;
  let squares = 0;
  for (const value of x) {
    assert.ok(Number.isFinite(value));
    sum += value;
    squares += value * value;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(squares / n - mean * mean - 1) < 0.02, `variance ${squares / n}`);
});
