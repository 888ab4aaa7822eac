import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Limits } from '../src/core/quota.js';
import { QuotaAdmin, QuotaService, QuotaStateError } from '../src/db/quota.js';
import { KINDS } from './helpers/databases.js';
import { seedWorkspace, withMigratedDb } from './helpers/migrated-db.js';

const LIMITS: Limits = {
  user: { daily: 5, monthly: 100 },
  workspace: { daily: 'unlimited', monthly: 'unlimited' },
};

for (const kind of KINDS) {
  describe(`quota on ${kind}`, () => {
    test('50 concurrent reservations for a user whose limit is 5: exactly 5 succeed', () =>
      withMigratedDb(kind, async (db) => {
        const { workspace, users } = await seedWorkspace(db, 'alice');
        const quota = new QuotaService(db, LIMITS);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            quota.reserve({ jobId: `job-${i}`, workspaceId: workspace.id, userId: users[0]!.id }),
          ),
        );
        assert.equal(results.filter((r) => r.ok).length, 5);
        assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.scope === 'user'));
        assert.equal(await db.quotaLedgerEntry.count({ where: { state: 'reserved' } }), 5);
      }));

    test('the same job id reserved concurrently is charged once', () =>
      withMigratedDb(kind, async (db) => {
        const { workspace, users } = await seedWorkspace(db, 'alice');
        const quota = new QuotaService(db, LIMITS);
        const request = { jobId: 'gen-1:round-1', workspaceId: workspace.id, userId: users[0]!.id };
        const results = await Promise.all(Array.from({ length: 10 }, () => quota.reserve(request)));
        assert.ok(results.every((r) => r.ok));
        assert.equal(results.filter((r) => !r.repeated).length, 1);
        assert.equal(await db.quotaLedgerEntry.count(), 1);
      }));

    test('commit and refund are idempotent; a refund frees the quota; no refund after commit', () =>
      withMigratedDb(kind, async (db) => {
        const { workspace, users } = await seedWorkspace(db, 'alice');
        const quota = new QuotaService(db, { ...LIMITS, user: { daily: 1, monthly: 1 } });
        const ids = { workspaceId: workspace.id, userId: users[0]!.id };

        assert.ok((await quota.reserve({ jobId: 'a', ...ids })).ok);
        assert.equal((await quota.reserve({ jobId: 'b', ...ids })).ok, false);
        await quota.refund('a');
        await quota.refund('a');
        assert.ok((await quota.reserve({ jobId: 'b', ...ids })).ok, 'refund gave the quota back');
        await quota.commit('b');
        await quota.commit('b');
        await assert.rejects(quota.refund('b'), QuotaStateError);
        await assert.rejects(quota.commit('a'), /already refunded/);
        await assert.rejects(quota.commit('nope'), /no quota reservation for job nope/);
        const states = await db.quotaLedgerEntry.findMany({ orderBy: { key: 'asc' } });
        assert.deepEqual(
          states.map((e) => [e.key, e.state]),
          [
            ['a', 'refunded'],
            ['b', 'committed'],
          ],
        );
      }));

    test('workspace limits, admin set/grant/reset, all audited', () =>
      withMigratedDb(kind, async (db) => {
        const { workspace, users } = await seedWorkspace(db, 'admin', 'alice', 'bob');
        const [admin, alice, bob] = users as [
          (typeof users)[0],
          (typeof users)[0],
          (typeof users)[0],
        ];
        const quota = new QuotaService(db, LIMITS);
        const quotaAdmin = new QuotaAdmin(db);
        const reserve = (userId: string, jobId: string) =>
          quota.reserve({ jobId, workspaceId: workspace.id, userId });

        await quotaAdmin.setLimits({ actorId: admin.id, workspaceId: workspace.id, daily: 2 });
        assert.ok((await reserve(alice.id, 'w1')).ok);
        assert.ok((await reserve(bob.id, 'w2')).ok);
        const denied = await reserve(bob.id, 'w3');
        assert.ok(!denied.ok && denied.scope === 'workspace' && denied.period === 'daily');

        await quotaAdmin.grant({ actorId: admin.id, workspaceId: workspace.id, amount: 1 });
        assert.ok((await reserve(bob.id, 'w3')).ok, 'a workspace grant adds one');
        assert.equal((await reserve(bob.id, 'w4')).ok, false);

        await quotaAdmin.reset({ actorId: admin.id, workspaceId: workspace.id });
        assert.ok((await reserve(bob.id, 'w4')).ok, 'a reset starts counting again');

        await quotaAdmin.setLimits({
          actorId: admin.id,
          workspaceId: workspace.id,
          userId: alice.id,
          daily: 0,
        });
        const blocked = await reserve(alice.id, 'a1');
        assert.ok(!blocked.ok && blocked.scope === 'user' && blocked.limit === 0);

        const status = await quota.status(workspace.id, alice.id);
        assert.equal(status.limits.user.daily, 0);
        assert.equal(status.limits.workspace.daily, 2);

        const log = await db.auditEntry.findMany({ orderBy: { createdAt: 'asc' } });
        assert.deepEqual(
          log.map((entry) => [entry.action, entry.target, entry.actorId]),
          [
            ['quota.set', 'workspace', admin.id],
            ['quota.grant', 'workspace', admin.id],
            ['quota.reset', 'workspace', admin.id],
            ['quota.set', `user:${alice.id}`, admin.id],
          ],
        );
        await assert.rejects(
          quotaAdmin.grant({ actorId: admin.id, workspaceId: workspace.id, amount: 0 }),
          /expected a whole number from 1/,
        );
      }));
  });
}
