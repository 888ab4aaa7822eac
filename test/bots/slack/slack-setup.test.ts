// Which way the bot connects to Slack, from the settings, and what it says when some are missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slackSetupFrom, type SlackSettings } from '../../../src/bots/slack/index.js';

const base: SlackSettings = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: undefined,
  SLACK_APP_TOKEN: undefined,
  SLACK_MODE: undefined,
  SLACK_PORT: 3001,
  SLACK_ADMINS: ['U1'],
  SLACK_API_URL: undefined,
  SLACK_CLIENT_ID: undefined,
  SLACK_CLIENT_SECRET: undefined,
  SLACK_STATE_SECRET: undefined,
  SLACK_TOKEN_KEY: undefined,
  HTTP_HOST: '127.0.0.1',
};

test('an app-level token means Socket Mode; a signing secret alone means HTTP', () => {
  assert.deepEqual(
    slackSetupFrom({ ...base, SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's' }),
    {
      ok: true,
      botToken: 'xoxb-1',
      connection: { mode: 'socket', appToken: 'xapp-1' },
      admins: ['U1'],
    },
  );
  assert.deepEqual(slackSetupFrom({ ...base, SLACK_SIGNING_SECRET: 's' }), {
    ok: true,
    botToken: 'xoxb-1',
    connection: { mode: 'http', signingSecret: 's', port: 3001, host: '127.0.0.1' },
    admins: ['U1'],
  });
  const forcedHttp = slackSetupFrom({
    ...base,
    SLACK_MODE: 'http',
    SLACK_APP_TOKEN: 'xapp-1',
    SLACK_SIGNING_SECRET: 's',
  });
  assert.equal(forcedHttp.ok && forcedHttp.connection.mode, 'http');
});

test('missing or wrong tokens are all named, with where to find them', () => {
  const none = slackSetupFrom({ ...base, SLACK_BOT_TOKEN: undefined });
  assert.equal(none.ok, false);
  assert.deepEqual(!none.ok && none.problems, [
    'set SLACK_BOT_TOKEN to the bot token (xoxb-…, "OAuth & Permissions")',
    'HTTP mode needs SLACK_SIGNING_SECRET ("Basic Information"); or set SLACK_APP_TOKEN for Socket Mode',
  ]);
  const wrong = slackSetupFrom({ ...base, SLACK_BOT_TOKEN: 'xapp-2', SLACK_MODE: 'socket' });
  assert.deepEqual(!wrong.ok && wrong.problems, [
    'SLACK_BOT_TOKEN must be a bot token starting with "xoxb-"',
    'Socket Mode needs SLACK_APP_TOKEN, an app-level token (xapp-…) with connections:write',
  ]);
});

test('many workspaces: the OAuth app in HTTP mode, no bot token, a long key for the tokens', () => {
  const many = {
    ...base,
    SLACK_BOT_TOKEN: undefined,
    SLACK_SIGNING_SECRET: 's',
    SLACK_CLIENT_ID: '123.456',
    SLACK_CLIENT_SECRET: 'c',
    SLACK_STATE_SECRET: 'state',
    SLACK_TOKEN_KEY: 'k'.repeat(32),
  };
  assert.deepEqual(slackSetupFrom(many), {
    ok: true,
    oauth: {
      clientId: '123.456',
      clientSecret: 'c',
      stateSecret: 'state',
      tokenKey: 'k'.repeat(32),
    },
    connection: { mode: 'http', signingSecret: 's', port: 3001, host: '127.0.0.1' },
    admins: ['U1'],
  });
  const wrong = slackSetupFrom({
    ...many,
    SLACK_BOT_TOKEN: 'xoxb-1',
    SLACK_MODE: 'socket',
    SLACK_CLIENT_SECRET: undefined,
    SLACK_STATE_SECRET: undefined,
    SLACK_TOKEN_KEY: 'short',
  });
  assert.deepEqual(!wrong.ok && wrong.problems, [
    'SLACK_CLIENT_ID needs SLACK_CLIENT_SECRET ("Basic Information" → App Credentials)',
    'SLACK_CLIENT_ID needs SLACK_STATE_SECRET: any long random text (it signs the install state)',
    "SLACK_CLIENT_ID needs SLACK_TOKEN_KEY: at least 32 characters of random text, which seal the workspaces' tokens in the database (e.g. openssl rand -base64 32)",
    'set SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and its secrets for installs in many workspaces, not both',
    'installs in many workspaces (SLACK_CLIENT_ID) need HTTP mode: Slack sends people to /slack/install and /slack/oauth_redirect on a public URL (unset SLACK_MODE=socket)',
  ]);
});
