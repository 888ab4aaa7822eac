// Slack installations on each database: stored sealed (no token in the clear), read back by
// team, replaced by a new install, refused under another key, deleted on uninstall.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Installation } from '@slack/bolt';
import { PrismaSlackInstallations } from '../../../src/adapters/prisma/prisma-slack-installations.js';
import { SealedText } from '../../../src/adapters/prisma/sealed-text.js';
import { KINDS } from '../../helpers/databases.js';
import { withMigratedDb } from '../../helpers/migrated-db.js';

const KEY = 'a-key-of-at-least-thirty-two-characters!';
const query = { teamId: 'T0A', enterpriseId: undefined, isEnterpriseInstall: false };

function installation(token: string): Installation<'v2', false> {
  return {
    team: { id: 'T0A', name: 'Team A' },
    enterprise: undefined,
    user: { id: 'U0INSTALLER', token: undefined, scopes: undefined },
    bot: { id: 'B0A', userId: 'U0BOTA', token, scopes: ['chat:write'] },
    tokenType: 'bot',
    isEnterpriseInstall: false,
    appId: 'A0TEST',
    authVersion: 'v2',
  };
}

test('a sealed text opens under its key only, and not once changed', () => {
  const sealer = new SealedText(KEY, 'test');
  const sealed = sealer.seal('xoxb-secret');
  assert.doesNotMatch(sealed, /xoxb/);
  assert.notEqual(sealer.seal('xoxb-secret'), sealed, 'a fresh IV each time');
  assert.equal(sealer.open(sealed), 'xoxb-secret');
  assert.throws(() => new SealedText(`${KEY}?`, 'test').open(sealed));
  assert.throws(() => new SealedText(KEY, 'other purpose').open(sealed));
  const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.at(-1)}`;
  assert.throws(() => sealer.open(flipped));
});

for (const kind of KINDS) {
  describe(`Slack installations on ${kind}`, () => {
    test('store, fetch, reinstall, other key refused, delete', () =>
      withMigratedDb(kind, async (db) => {
        const store = new PrismaSlackInstallations(db, new SealedText(KEY, 'slack'));
        await assert.rejects(store.fetchInstallation(query), /no Slack installation for T0A/);
        await store.storeInstallation(installation('xoxb-first'));
        await store.storeInstallation(installation('xoxb-second'));
        const rows = await db.slackInstallation.findMany();
        assert.equal(rows.length, 1, 'a reinstall replaces the row');
        assert.doesNotMatch(rows[0]!.sealed, /xoxb/);
        assert.equal(rows[0]!.teamId, 'T0A');
        const fetched = await store.fetchInstallation(query);
        assert.equal(fetched.bot?.token, 'xoxb-second');
        assert.equal(fetched.bot?.userId, 'U0BOTA');
        const wrongKey = new PrismaSlackInstallations(db, new SealedText(`x${KEY}`, 'slack'));
        await assert.rejects(wrongKey.fetchInstallation(query));
        await store.deleteInstallation(query);
        assert.equal(await db.slackInstallation.count(), 0);
      }));
  });
}
