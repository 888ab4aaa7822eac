import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decide,
  type Limits,
  periodEnd,
  periodStart,
  quotaDefaults,
  resolveLimits,
  type Usage,
  usageByPeriod,
  usageSince,
} from '../../src/core/quota.js';

const defaults: Limits = {
  user: { daily: 10, monthly: 100 },
  workspace: { daily: null, monthly: null },
};
const none = { used: 0, granted: 0 };
const usage = (userDaily: number, granted = 0): Usage => ({
  user: { daily: { used: userDaily, granted }, monthly: { used: userDaily, granted } },
  workspace: { daily: none, monthly: none },
});

test('a user policy wins over the workspace member default, which wins over the defaults', () => {
  const member = { daily: 3 };
  const workspace = { daily: 50 };
  assert.deepEqual(resolveLimits(defaults, { member, workspace }), {
    user: { daily: 3, monthly: 100 },
    workspace: { daily: 50, monthly: null },
  });
  assert.deepEqual(resolveLimits(defaults, { user: { daily: null, monthly: 7 }, member }).user, {
    daily: null,
    monthly: 7,
  });
  assert.deepEqual(resolveLimits(defaults, { member: { daily: null } }).user.daily, null);
});

test('the defaults come from the QUOTA_* settings', () => {
  assert.deepEqual(
    quotaDefaults({
      QUOTA_USER_DAILY: 10,
      QUOTA_USER_MONTHLY: 100,
      QUOTA_WORKSPACE_DAILY: null,
      QUOTA_WORKSPACE_MONTHLY: null,
    }),
    defaults,
  );
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
  const now = new Date('2026-11-26T12:00:00Z');
  assert.deepEqual(usageByPeriod(items, now), {
    daily: { used: 1, granted: 3 },
    monthly: { used: 2, granted: 3 },
  });
  assert.deepEqual(
    usageByPeriod(items, now, new Date('2026-11-26T10:30:00Z')),
    { daily: { used: 0, granted: 3 }, monthly: { used: 0, granted: 3 } },
    'a reset in the period counts from then on',
  );
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
  assert.deepEqual([denied.limit, denied.used, denied.granted], [10, 10, 0]);
  assert.deepEqual(decide(defaults, usage(10, 2), now), { ok: true });
  const open: Limits = { ...defaults, user: { daily: null, monthly: null } };
  assert.deepEqual(decide(open, usage(10_000), now), { ok: true });
});
