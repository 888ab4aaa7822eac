import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Limits } from '../src/core/quota.js';
import { QuotaService, QuotaStateError } from '../src/db/quota.js';
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
  });
}
