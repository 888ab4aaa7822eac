// Workspaces and users are created on first sight; two first requests arriving at once must
// both get the same row (PostgreSQL raised P2002 for one of them when both inserted).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PrismaSubjects } from '../../src/adapters/prisma/prisma-subjects.js';
import { ensureUser, ensureWorkspace } from '../../src/db/workspaces.js';
import { KINDS } from '../helpers/databases.js';
import { withMigratedDb } from '../helpers/migrated-db.js';

const AT_ONCE = 20;

for (const kind of KINDS) {
  describe(`first sight on ${kind}`, () => {
    test(`${AT_ONCE} first requests of a new workspace and user at once: one row each`, () =>
      withMigratedDb(kind, async (db) => {
        for (let round = 0; round < 5; round++) {
          // A fresh PrismaSubjects per request, as separate processes (bot, worker) have.
          const ids = await Promise.all(
            Array.from({ length: AT_ONCE }, (_, i) =>
              new PrismaSubjects(db).userId('discord', `guild-${round}`, 'alice', `Alice ${i % 2}`),
            ),
          );
          assert.equal(new Set(ids).size, 1, 'every request got the same user row');
        }
        assert.equal(await db.workspace.count(), 5);
        assert.equal(await db.user.count(), 5);
      }));

    test('ensureWorkspace and ensureUser at once, directly: no unique-constraint error', () =>
      withMigratedDb(kind, async (db) => {
        const workspaces = await Promise.all(
          Array.from({ length: AT_ONCE }, () =>
            ensureWorkspace(db, { platform: 'slack', externalId: 'T1', name: 'Team' }),
          ),
        );
        assert.equal(new Set(workspaces.map((w) => w.id)).size, 1);
        const workspaceId = workspaces[0]!.id;
        const users = await Promise.all(
          Array.from({ length: AT_ONCE }, () => ensureUser(db, { workspaceId, externalId: 'U1' })),
        );
        assert.equal(new Set(users.map((u) => u.id)).size, 1);
      }));
  });
}
