import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidChoice, REGENERATE, tally } from '../src/core/votes.js';

const at = (second: number) => new Date(Date.UTC(2026, 10, 26, 12, 0, second));

test('counts candidates and regenerate votes separately', () => {
  const result = tally([
    { choice: 2, castAt: at(1) },
    { choice: 2, castAt: at(2) },
    { choice: 4, castAt: at(3) },
    { choice: REGENERATE, castAt: at(4) },
  ]);
  assert.deepEqual(result.candidates, { 1: 0, 2: 2, 3: 0, 4: 1 });
  assert.equal(result.regenerate, 1);
  assert.equal(result.total, 4);
  assert.equal(result.leader, 2);
});

test('a tie goes to the candidate that reached the count first', () => {
  // 3 reaches two votes at second 4, 1 only at second 5.
  const votes = [
    { choice: 1, castAt: at(1) },
    { choice: 3, castAt: at(2) },
    { choice: 3, castAt: at(4) },
    { choice: 1, castAt: at(5) },
  ];
  assert.equal(tally(votes).leader, 3);
  assert.equal(tally([...votes, { choice: 1, castAt: at(6) }]).leader, 1);
});

test('no candidate votes means no leader', () => {
  assert.equal(tally([]).leader, undefined);
  assert.equal(tally([{ choice: REGENERATE, castAt: at(1) }]).leader, undefined);
});

test('valid choices are 0 to 4', () => {
  assert.deepEqual([-1, 0, 1, 4, 5, 1.5].map(isValidChoice), [
    false,
    true,
    true,
    true,
    false,
    false,
  ]);
});
