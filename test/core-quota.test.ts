import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decide,
  describeDenial,
  type Limits,
  periodEnd,
  periodStart,
  resolveLimits,
  type Usage,
  usageSince,
} from '../src/core/quota.js';

const defaults: Limits = {
  user: { daily: 10, monthly: 100 },
  workspace: { daily: 'unlimited', monthly: 'unlimited' },
};
const none = { used: 0, granted: 0 };
const usage = (userDaily: number, granted = 0): Usage => ({
  user: { daily: { used: userDaily, granted }, monthly: { used: userDaily, granted } },
  workspace: { daily: none, monthly: none },
});

test('a user policy wins over the workspace member default, which wins over the defaults', () => {
  const workspace = {
    dailyLimit: 50,
    monthlyLimit: null,
    userDailyLimit: 3,
    userMonthlyLimit: null,
  };
  assert.deepEqual(resolveLimits(defaults, workspace, null), {
    user: { daily: 3, monthly: 100 },
    workspace: { daily: 50, monthly: 'unlimited' },
  });
  assert.deepEqual(resolveLimits(defaults, workspace, { dailyLimit: -1, monthlyLimit: 7 }).user, {
    daily: 'unlimited',
    monthly: 7,
  });
});

test('days and months are UTC calendar periods', () => {
  const now = new Date('2026-12-31T23:59:59Z');
  assert.equal(periodStart('daily', now).toISOString(), '2026-12-31T00:00:00.000Z');
  assert.equal(periodEnd('daily', now).toISOString(), '2027-01-01T00:00:00.000Z');
  assert.equal(periodStart('monthly', now).toISOString(), '2026-12-01T00:00:00.000Z');
  assert.equal(periodEnd('monthly', now).toISOString(), '2027-01-01T00:00:00.000Z');
});

test('usage counts jobs and grants from the given time on', () => {
  const items = [
    { kind: 'job' as const, amount: 1, createdAt: new Date('2026-11-25T10:00:00Z') },
    { kind: 'job' as const, amount: 1, createdAt: new Date('2026-11-26T10:00:00Z') },
    { kind: 'grant' as const, amount: 3, createdAt: new Date('2026-11-26T11:00:00Z') },
  ];
  assert.deepEqual(usageSince(items, new Date('2026-11-26T00:00:00Z')), { used: 1, granted: 3 });
  assert.deepEqual(usageSince(items, new Date('2026-11-01T00:00:00Z')), { used: 2, granted: 3 });
});

test('the limit is reached at exactly the limit, grants raise it, unlimited never denies', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  assert.deepEqual(decide(defaults, usage(9), now), { ok: true });
  const denied = decide(defaults, usage(10), now);
  assert.equal(denied.ok, false);
  assert.ok(!denied.ok);
  assert.equal(denied.scope, 'user');
  assert.equal(denied.period, 'daily');
  assert.equal(denied.resetsAt.toISOString(), '2026-11-27T00:00:00.000Z');
  assert.equal(
    describeDenial(denied),
    'Your daily quota is used up (10 of 10). It resets at 2026-11-27T00:00:00Z.',
  );
  assert.deepEqual(decide(defaults, usage(10, 2), now), { ok: true });
  const open: Limits = { ...defaults, user: { daily: 'unlimited', monthly: 'unlimited' } };
  assert.deepEqual(decide(open, usage(10_000), now), { ok: true });
});
