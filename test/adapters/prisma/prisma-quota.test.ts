// The quota store on each database: the rules of src/core/quota.ts over the Prisma ledger.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PrismaQuotaStore, QuotaStateError } from '../../../src/adapters/prisma/prisma-quota.js';
import { PrismaSubjects } from '../../../src/adapters/prisma/prisma-subjects.js';
import type { QuotaTarget } from '../../../src/core/commands/types.js';
import type { Limits } from '../../../src/core/quota.js';
import type { Db } from '../../../src/db/index.js';
import { KINDS } from '../../helpers/databases.js';
import { withMigratedDb } from '../../helpers/migrated-db.js';

const LIMITS: Limits = {
  user: { daily: 5, monthly: 100 },
  workspace: { daily: null, monthly: null },
};
const NOW = Date.UTC(2026, 10, 26, 15, 30);
const DAY = 86_400_000;
const guild = { platform: 'discord', workspaceId: 'guild-1' };
const alice = { ...guild, userId: 'alice' };
const WORKSPACE: QuotaTarget = { kind: 'workspace' };
const user = (userId: string) => ({ kind: 'user', userId }) as const;
const bob = { ...guild, userId: 'bob' };

/** A quota store whose rows for alice and bob exist already (as after their first command). */
async function quotaStore(db: Db, limits = LIMITS) {
  const quota = new PrismaQuotaStore(db, new PrismaSubjects(db), limits);
  await quota.status(alice, NOW);
  await quota.status(bob, NOW);
  return quota;
}

for (const kind of KINDS) {
  describe(`quota on ${kind}`, () => {
    test('50 concurrent reservations for a user whose limit is 5: exactly 5 succeed', () =>
      withMigratedDb(kind, async (db) => {
        const quota = await quotaStore(db);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => quota.reserve(`job-${i}`, alice, NOW)),
        );
        assert.equal(results.filter((r) => r.ok).length, 5);
        assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.scope === 'user'));
        assert.equal(await db.quotaLedgerEntry.count({ where: { state: 'reserved' } }), 5);
      }));

    test('the same key reserved concurrently is charged once', () =>
      withMigratedDb(kind, async (db) => {
        const quota = await quotaStore(db);
        const results = await Promise.all(
          Array.from({ length: 10 }, () => quota.reserve('gen-1', alice, NOW)),
        );
        assert.ok(results.every((r) => r.ok));
        assert.equal(await db.quotaLedgerEntry.count(), 1);
        assert.equal((await quota.status(alice, NOW)).user.daily.used, 1);
        await assert.rejects(quota.reserve('gen-1', bob, NOW), /belongs to another ledger entry/);
      }));

    test('commit and refund are idempotent; a refund frees the quota; no refund after commit', () =>
      withMigratedDb(kind, async (db) => {
        const quota = await quotaStore(db, { ...LIMITS, user: { daily: 1, monthly: 1 } });
        assert.deepEqual(await quota.reserve('a', alice, NOW), { ok: true });
        assert.deepEqual(await quota.reserve('b', alice, NOW), {
          ok: false,
          scope: 'user',
          period: 'daily',
          limit: 1,
          resetsAt: Date.UTC(2026, 10, 27),
        });
        await quota.refund('a');
        await quota.refund('a');
        await quota.refund('never-reserved');
        assert.ok((await quota.reserve('b', alice, NOW)).ok, 'refund gave the quota back');
        await quota.commit('b');
        await quota.commit('b');
        await assert.rejects(quota.refund('b'), QuotaStateError);
        await assert.rejects(quota.commit('a'), /already refunded/);
        await assert.rejects(quota.commit('nope'), /no quota reservation for key nope/);
        const states = await db.quotaLedgerEntry.findMany({ orderBy: { key: 'asc' } });
        assert.deepEqual(
          states.map((e) => [e.key, e.state]),
          [
            ['a', 'refunded'],
            ['b', 'committed'],
          ],
        );
      }));

    test('days and months: the next day the monthly limit is what stops a user', () =>
      withMigratedDb(kind, async (db) => {
        const quota = await quotaStore(db, { ...LIMITS, user: { daily: 2, monthly: 3 } });
        for (const key of ['a', 'b']) assert.ok((await quota.reserve(key, alice, NOW)).ok);
        assert.equal((await quota.reserve('c', alice, NOW)).ok, false);
        const tomorrow = NOW + DAY;
        assert.ok((await quota.reserve('c', alice, tomorrow)).ok);
        const refused = await quota.reserve('d', alice, tomorrow);
        assert.deepEqual(refused.ok ? null : [refused.period, refused.limit, refused.resetsAt], [
          'monthly',
          3,
          Date.UTC(2026, 11, 1),
        ]);
        const status = await quota.status(alice, tomorrow);
        assert.deepEqual(
          [status.user.daily, status.user.monthly],
          [
            { used: 1, limit: 2, resetsAt: Date.UTC(2026, 10, 28) },
            { used: 3, limit: 3, resetsAt: Date.UTC(2026, 11, 1) },
          ],
        );
      }));

    test('admin changes: workspace limits, unlimited users, grants and resets', () =>
      withMigratedDb(kind, async (db) => {
        const quota = await quotaStore(db);
        const set = (target: QuotaTarget, limit: number | null) =>
          quota.change(guild, { action: 'set', target, period: 'daily', limit }, NOW);

        await set(WORKSPACE, 2);
        assert.ok((await quota.reserve('w1', alice, NOW)).ok);
        assert.ok((await quota.reserve('w2', bob, NOW)).ok);
        const denied = await quota.reserve('w3', bob, NOW);
        assert.deepEqual(denied.ok ? null : [denied.scope, denied.period, denied.limit], [
          'workspace',
          'daily',
          2,
        ]);
        assert.equal((await quota.status(alice, NOW)).workspace.daily.used, 2);

        await quota.change(guild, { action: 'reset', target: WORKSPACE }, NOW + 1);
        assert.ok((await quota.reserve('w3', bob, NOW + 1)).ok, 'a reset starts counting again');
        assert.equal((await quota.status(bob, NOW + 1)).workspace.daily.used, 1);

        await set(user('alice'), 0);
        const blocked = await quota.reserve('a1', alice, NOW + 1);
        assert.deepEqual(blocked.ok ? null : [blocked.scope, blocked.limit], ['user', 0]);
        await quota.change(guild, { action: 'grant', target: user('alice'), amount: 2 }, NOW);
        const status = await quota.status(alice, NOW + 1);
        assert.deepEqual(
          [status.user.daily.used, status.user.daily.limit, status.granted],
          [1, 0, 2],
        );
        assert.ok((await quota.reserve('a1', alice, NOW + 1)).ok, 'grants add to the limit');
        const granted = await quota.reserve('a2', alice, NOW + 1);
        assert.deepEqual(granted.ok ? null : granted.limit, 2, 'refused at the limit plus grants');

        await set(user('bob'), null);
        assert.equal((await quota.status(bob, NOW + 1)).user.daily.limit, null, 'unlimited');
        const policy = await db.userQuotaPolicy.findFirstOrThrow({
          where: { user: { externalId: 'bob' } },
        });
        assert.equal(policy.dailyLimit, -1, 'stored as -1, null meaning "inherit"');
        assert.equal(policy.monthlyLimit, null);
      }));

    test("admins setting a new user's or workspace's first limits at once: one policy row each", () =>
      withMigratedDb(kind, async (db) => {
        const quota = await quotaStore(db);
        // No policy row yet: writes that each find none and insert would meet P2002.
        const changes = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            quota.change(
              guild,
              {
                action: 'set',
                target: i % 2 === 0 ? user('alice') : WORKSPACE,
                period: i % 4 < 2 ? 'daily' : 'monthly',
                limit: 7,
              },
              NOW,
            ),
          ),
        );
        assert.deepEqual(
          changes.filter((c) => c.status === 'rejected'),
          [],
          'every change applied',
        );
        assert.equal(await db.userQuotaPolicy.count(), 1);
        assert.equal(await db.workspaceQuotaPolicy.count(), 1);
        const status = await quota.status(alice, NOW);
        assert.deepEqual([status.user.daily.limit, status.user.monthly.limit], [7, 7]);
      }));

    test('audit entries keep who did what, allowed or not', () =>
      withMigratedDb(kind, async (db) => {
        const quota = await quotaStore(db);
        const entry = { ...guild, target: 'user:alice', at: NOW };
        await quota.record({
          ...entry,
          actorId: 'bob',
          actorName: 'Bob',
          action: 'quota.set',
          allowed: false,
        });
        await quota.record({
          ...entry,
          actorId: 'admin',
          actorName: 'Admin',
          action: 'quota.grant',
          allowed: true,
          details: { amount: 2 },
        });
        const rows = await db.auditEntry.findMany({
          orderBy: { action: 'desc' },
          include: { actor: true },
        });
        assert.deepEqual(
          rows.map((row) => [
            row.actor.externalId,
            row.actor.displayName,
            row.action,
            row.target,
            row.details,
          ]),
          [
            ['bob', 'Bob', 'quota.set', 'user:alice', { allowed: false, details: null }],
            [
              'admin',
              'Admin',
              'quota.grant',
              'user:alice',
              { allowed: true, details: { amount: 2 } },
            ],
          ],
        );
      }));
  });
}
