// Channel settings on each database: set, read back, reset, kept per channel, concurrent
// changes of different settings both kept; their audit rows in the quota store's audit table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PrismaChannelSettings } from '../../../src/adapters/prisma/prisma-settings.js';
import { PrismaQuotaStore } from '../../../src/adapters/prisma/prisma-quota.js';
import { PrismaSubjects } from '../../../src/adapters/prisma/prisma-subjects.js';
import { KINDS } from '../../helpers/databases.js';
import { withMigratedDb } from '../../helpers/migrated-db.js';

const videos = { platform: 'discord', workspaceId: 'guild-1', channelId: 'videos' };
const other = { ...videos, channelId: 'other' };

for (const kind of KINDS) {
  describe(`channel settings on ${kind}`, () => {
    test('set, read back (a new store too), reset one, reset all; other channels untouched', () =>
      withMigratedDb(kind, async (db) => {
        const settings = new PrismaChannelSettings(db, new PrismaSubjects(db));
        assert.deepEqual(await settings.get(videos), {});
        const first = await settings.change(videos, {
          action: 'set',
          values: { voteWindowSeconds: 90, steps: 20, guidance: 7.5, extendBy: 'requester' },
        });
        assert.deepEqual(first, {
          before: {},
          after: { voteWindowSeconds: 90, steps: 20, guidance: 7.5, extendBy: 'requester' },
        });
        await settings.change(videos, { action: 'set', values: { maxRounds: 3, fps: 16 } });
        const again = new PrismaChannelSettings(db, new PrismaSubjects(db));
        assert.deepEqual(await again.get(videos), {
          voteWindowSeconds: 90,
          steps: 20,
          guidance: 7.5,
          fps: 16,
          extendBy: 'requester',
          maxRounds: 3,
        });
        assert.deepEqual(await again.get(other), {});

        const reset = await again.change(videos, { action: 'reset', names: ['steps', 'extend'] });
        assert.deepEqual(reset.after, { voteWindowSeconds: 90, guidance: 7.5, fps: 16, maxRounds: 3 });
        assert.equal(reset.before.steps, 20);
        await again.change(videos, { action: 'reset', names: [] });
        assert.deepEqual(await again.get(videos), {});
        assert.equal(await db.channelSettings.count(), 1);
      }));

    test('two admins changing different settings at once both keep their change', () =>
      withMigratedDb(kind, async (db) => {
        const subjects = new PrismaSubjects(db);
        const a = new PrismaChannelSettings(db, subjects);
        const b = new PrismaChannelSettings(db, new PrismaSubjects(db));
        await a.change(videos, { action: 'set', values: { steps: 10 } });
        await Promise.all([
          a.change(videos, { action: 'set', values: { guidance: 4 } }),
          b.change(videos, { action: 'set', values: { maxRounds: 2 } }),
        ]);
        assert.deepEqual(await a.get(videos), { steps: 10, guidance: 4, maxRounds: 2 });
        // A channel's first settings, by several admins at once: one row, every change kept.
        const stores = Array.from(
          { length: 6 },
          () => new PrismaChannelSettings(db, new PrismaSubjects(db)),
        );
        const values = [{ steps: 7 }, { guidance: 2 }, { fps: 16 }, { maxRounds: 4 }];
        await Promise.all(
          values.map((set, i) => stores[i]!.change(other, { action: 'set', values: set })),
        );
        assert.deepEqual(await a.get(other), { steps: 7, guidance: 2, fps: 16, maxRounds: 4 });
        assert.equal(await db.channelSettings.count({ where: { channelId: 'other' } }), 1);
      }));

    test('a change is audited in the AuditEntry table, with what it changed', () =>
      withMigratedDb(kind, async (db) => {
        const subjects = new PrismaSubjects(db);
        const settings = new PrismaChannelSettings(db, subjects);
        const audit = new PrismaQuotaStore(db, subjects, {
          user: { daily: null, monthly: null },
          workspace: { daily: null, monthly: null },
        });
        const change = { action: 'set', values: { steps: 12 } } as const;
        const { before, after } = await settings.change(videos, change);
        await audit.record({
          ...videos,
          actorId: 'admin-1',
          actorName: 'ada',
          action: 'settings.set',
          target: 'channel:videos',
          allowed: true,
          details: { change, before, after },
          at: Date.UTC(2026, 11, 5),
        });
        const [row] = await db.auditEntry.findMany({ include: { actor: true } });
        assert.deepEqual(
          [row?.action, row?.target, row?.actor.externalId, row?.details],
          [
            'settings.set',
            'channel:videos',
            'admin-1',
            { allowed: true, details: { change, before: {}, after: { steps: 12 } } },
          ],
        );
      }));
  });
}
