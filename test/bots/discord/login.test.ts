// A wrong token stops the start with a message that says what to do, not a stack trace.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createDiscordAdapter, DiscordLoginError } from '../../../src/bots/discord/index.js';
import { silentLog } from '../../helpers/silent-log.js';
import { FakeDiscord } from './fake/fake-discord.js';

test('a token Discord refuses fails the start with a readable message', async () => {
  const fake = await FakeDiscord.start();
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-discord-login-'));
  try {
    const adapter = createDiscordAdapter({
      token: 'not-the-token',
      applicationId: fake.world.applicationId,
      log: silentLog,
      uploadDir: dir,
      api: fake.api,
    });
    const handlers = { command: async () => {}, reaction: async () => {} };
    await assert.rejects(adapter.start(handlers), (error: Error) => {
      assert.ok(error instanceof DiscordLoginError);
      assert.match(error.message, /refused the bot token.*DISCORD_TOKEN/);
      return true;
    });
    assert.equal(fake.gateway.identifies.length, 0);
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
