// `npm start` with Slack settings, as a child process: the platform hook adds the Slack
// adapter (HTTP mode, its Web API pointed at the fake Slack by SLACK_API_URL) next to the
// playground, the banner says where it listens, and a signed /video gets its grid uploaded in
// the request's thread by the in-process worker. Half a Slack configuration stops start-up
// with the settings to add.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TINY_MODEL_DIR } from '../../../src/wiring/model.js';
import { allInOneSettings, startBin } from '../../helpers/bin-process.js';
import { dropPrefix, SHARED_REDIS_URL, waitFor } from '../../queue/helpers.js';
import { FakeSlack } from './fake-slack.js';
import { sendSigned, slashCommandBody } from './signed-requests.js';

const SECRET = 'start-test-secret';
const work = mkdtempSync(path.join(tmpdir(), 'ff-start-slack-'));
const prefix = `ff-start-slack-${randomUUID()}`;
let fake: FakeSlack;

before(async () => {
  fake = await new FakeSlack({
    token: 'xoxb-start',
    teamId: 'T0START',
    botUserId: 'U0BOT',
    users: [{ id: 'U0ANN', name: 'ann' }],
    channels: ['C0START'],
  }).start();
});

after(async () => {
  await fake.stop();
  await dropPrefix(SHARED_REDIS_URL, prefix);
  rmSync(work, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  const settings = allInOneSettings(work, prefix, SHARED_REDIS_URL);
  return startBin('start', { ...settings, MODEL_DIR: TINY_MODEL_DIR, ...env }, work);
}

test('half a Slack configuration stops npm start with what to set', async () => {
  const app = start({ SLACK_BOT_TOKEN: 'xoxb-start' });
  assert.equal(await app.exited, 1);
  assert.match(app.output(), /Slack is not configured \(see docs\/slack\.md\)/);
  assert.match(app.output(), /SLACK_SIGNING_SECRET/);
  assert.doesNotMatch(app.output(), /\n\s+at /, 'no stack trace');
});

test(
  'npm start runs the Slack adapter when Slack is configured',
  { timeout: 180_000 },
  async () => {
    const app = start({
      SLACK_BOT_TOKEN: 'xoxb-start',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_PORT: '0',
      SLACK_API_URL: fake.apiUrl,
    });
    try {
      const eventsUrl = await waitFor(
        'the Slack URL in the banner',
        () => /chat platforms: slack \(listening on (\S+)\)/.exec(app.output())?.[1],
        120_000,
      );
      const body = slashCommandBody({
        command: '/video',
        text: 'a red circle --seed 3 --steps 2',
        userId: 'U0ANN',
        userName: 'ann',
        channelId: 'C0START',
        teamId: 'T0START',
        responseUrl: fake.responseUrl('start'),
      });
      const response = await sendSigned(eventsUrl, body, 'application/x-www-form-urlencoded', {
        secret: SECRET,
      });
      assert.equal(response.status, 200);
      const request = await waitFor('the request in the channel', () =>
        fake.messages.find((m) => m.text === '<@U0ANN>: /video a red circle --seed 3 --steps 2'),
      );
      const grid = await waitFor(
        'the grid drawn by the in-process worker, in the thread',
        () => fake.messages.find((m) => m.threadTs === request.ts && m.fileIds.length > 0),
        60_000,
      );
      assert.match(grid.text, /Round 1 for "a red circle"/);
    } finally {
      app.child.kill('SIGTERM');
    }
    assert.equal(await app.exited, 0, app.output());
  },
);
