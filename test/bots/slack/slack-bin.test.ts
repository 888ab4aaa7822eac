// `npm run slack` as a process: it reads its settings, starts in HTTP mode against the fake
// Slack (SLACK_API_URL) on the real stack (SQLite under DATA_DIR, BullMQ on the shared Redis
// with a prefix of its own, no worker), and answers a signed /video with the request repeated
// in the channel and the status in its thread. Missing settings give one readable message and
// exit code 1.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { TINY_MODEL_DIR } from '../../../src/wiring/model.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { startBin } from '../../helpers/bin-process.js';
import { dropPrefix, SHARED_REDIS_URL, waitFor as waitForAsync } from '../../queue/helpers.js';
import { FakeSlack } from './fake-slack.js';
import { sendSigned, slashCommandBody } from './signed-requests.js';

const SECRET = 'bin-test-secret';
const dir = mkdtempSync(path.join(tmpdir(), 'ff-slack-bin-'));
const prefix = `ff-slack-bin-${randomUUID()}`;
let fake: FakeSlack;
let child: ChildProcess | undefined;

before(async () => {
  fake = await new FakeSlack({
    token: 'xoxb-bin',
    teamId: 'T0BIN',
    botUserId: 'U0BOT',
    users: [{ id: 'U0ANN', name: 'ann' }],
    channels: ['C0BIN'],
  }).start();
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await fake.stop();
  await dropPrefix(SHARED_REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
});

const runBin = (env: Record<string, string>) =>
  startBin('slack', { DATA_DIR: dir, LOG_LEVEL: 'warn', ...env });

test('without settings it says what to set and exits with 1', async () => {
  const run = runBin({});
  assert.equal(await run.exited, 1);
  assert.match(run.output(), /Slack is not configured \(see docs\/slack\.md\)/);
  assert.match(run.output(), /set SLACK_BOT_TOKEN/);
});

test('configured for HTTP mode it serves /slack/events and runs a /video', async () => {
  const run = runBin({
    SLACK_BOT_TOKEN: 'xoxb-bin',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: fake.apiUrl,
    REDIS_URL: SHARED_REDIS_URL,
    QUEUE_PREFIX: prefix,
    MODEL_DIR: TINY_MODEL_DIR,
  });
  child = run.child;
  const match = await waitFor(
    () => /listening on (http:\/\/\S+\/slack\/events)/.exec(run.output()) ?? undefined,
    `the bot's URL in its output`,
  );
  const body = slashCommandBody({
    command: '/video',
    text: 'a red circle --seed 4 --steps 2',
    userId: 'U0ANN',
    userName: 'ann',
    channelId: 'C0BIN',
    teamId: 'T0BIN',
    responseUrl: fake.responseUrl('bin'),
  });
  const response = await sendSigned(match[1] as string, body, 'application/x-www-form-urlencoded', {
    secret: SECRET,
  });
  assert.equal(response.status, 200);
  const request = await waitFor(
    () => fake.messages.find((m) => m.text === '<@U0ANN>: /video a red circle --seed 4 --steps 2'),
    'the request in the channel',
  );
  await waitFor(
    () => fake.messages.find((m) => m.threadTs === request.ts && m.text.includes('a red circle')),
    'the status in the thread',
  );
  // The request went to BullMQ under this test's prefix, where it waits for `npm run worker`.
  const redis = new Redis(SHARED_REDIS_URL);
  try {
    const waiting = await waitForAsync('the candidates job waiting in Redis', async () => {
      const ids = await redis.lrange(`${prefix}:candidates:wait`, 0, -1);
      return ids.length > 0 ? ids : undefined;
    });
    assert.equal(waiting.length, 1);
    assert.match(waiting[0]!, /^candidates-.+-r1$/);
  } finally {
    redis.disconnect();
  }
});
