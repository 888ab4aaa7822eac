// Which chat platforms `npm start` adds, from the settings alone (nothing connects here).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiscordChatAdapter } from '../../src/bots/discord/index.js';
import { SlackChatAdapter } from '../../src/bots/slack/index.js';
import { loadConfig } from '../../src/config/index.js';
import { chatPlatformAdapters, describePlatforms } from '../../src/wiring/chat-platforms.js';
import { silentLog } from '../helpers/silent-log.js';

const platformsOf = (env: Record<string, string>) =>
  chatPlatformAdapters(loadConfig({ env, envFile: null, baseDir: '/tmp' }), silentLog);

test('no chat settings: the playground only', () => {
  const adapters = platformsOf({});
  assert.deepEqual(adapters, []);
  assert.match(describePlatforms(adapters), /^none \(set DISCORD_\* or SLACK_\*/);
});

test('Discord and Slack settings: both adapters, Discord first', () => {
  const adapters = platformsOf({
    DISCORD_TOKEN: 'token',
    DISCORD_APPLICATION_ID: '123',
    SLACK_BOT_TOKEN: 'xoxb-1',
    SLACK_APP_TOKEN: 'xapp-1',
  });
  assert.equal(adapters.length, 2);
  assert.ok(adapters[0] instanceof DiscordChatAdapter);
  assert.ok(adapters[1] instanceof SlackChatAdapter);
  assert.equal(describePlatforms(adapters), 'discord, slack');
});

test('half a configuration is refused, naming what is missing', () => {
  assert.throws(
    () => platformsOf({ DISCORD_TOKEN: 'token' }),
    /Discord is not configured: set DISCORD_APPLICATION_ID \(/,
  );
  assert.throws(() => platformsOf({ DISCORD_APPLICATION_ID: '123' }), /set DISCORD_TOKEN \(/);
  assert.throws(
    () => platformsOf({ SLACK_APP_TOKEN: 'xapp-1' }),
    /Slack is not configured[\s\S]*set SLACK_BOT_TOKEN/,
  );
  assert.throws(
    () => platformsOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_MODE: 'http' }),
    /HTTP mode needs SLACK_SIGNING_SECRET/,
  );
});
