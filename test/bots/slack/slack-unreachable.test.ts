// Start-up with Slack configured but its Web API unreachable (a closed local port): the stack
// starts and serves the playground within seconds, the banner line says Slack is not running
// and why (and so does the playground page), and the adapter keeps trying in the background
// (until the stack stops). An API that takes the connection and never answers (a black hole,
// the probe's 40 s hang) gives up after the start timeout, the same way.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createSlackAdapter } from '../../../src/bots/slack/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { describePlatforms } from '../../../src/wiring/chat-platforms.js';
import { TINY_MODEL_DIR } from '../../../src/wiring/model.js';
import { startStack, type Stack } from '../../../src/wiring/stack.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { freePort } from '../../helpers/ports.js';
import { silentLog } from '../../helpers/silent-log.js';
import { dropPrefix, SHARED_REDIS_URL, waitFor } from '../../queue/helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ff-slack-down-'));
const prefix = `ff-slack-down-${process.pid}`;
let database: TestDatabase | undefined;
let stack: Stack | undefined;

after(async () => {
  await stack?.close();
  await dropPrefix(SHARED_REDIS_URL, prefix);
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A Slack adapter in HTTP mode whose Web API is on this local port. */
function slackWithApiOn(port: number, timing: { startTimeoutMs?: number; startRetryMs: number }) {
  return createSlackAdapter({
    botToken: 'xoxb-test-token',
    connection: { mode: 'http', signingSecret: 'test-signing-secret', port: 0, host: '127.0.0.1' },
    log: silentLog,
    apiUrl: `http://127.0.0.1:${port}/api/`,
    ...timing,
  });
}

test('Slack unreachable at start-up: the playground is served at once, Slack is reported', async () => {
  const closedPort = await freePort(); // nothing listens there
  const slack = slackWithApiOn(closedPort, { startRetryMs: 200 });
  database = await createTestDatabase('sqlite');
  const env = {
    DATA_DIR: dir,
    DATABASE_URL: database.target.url,
    REDIS_URL: SHARED_REDIS_URL,
    QUEUE_PREFIX: prefix,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    MODEL_DIR: TINY_MODEL_DIR,
  };
  const started = performance.now();
  stack = await startStack({
    config: loadConfig({ env, envFile: null, baseDir: dir }),
    log: silentLog,
    redisUrl: SHARED_REDIS_URL,
    modelDir: TINY_MODEL_DIR,
    worker: false,
    extraAdapters: [slack],
  });
  const startMs = performance.now() - started;
  console.log(`# started in ${Math.round(startMs)} ms with Slack unreachable`);
  assert.ok(startMs < 10_000, `started after ${Math.round(startMs)} ms`);

  const health = await fetch(new URL('/healthz', stack.web!.url));
  assert.equal(health.status, 200, 'the playground answers');
  assert.match(slack.unavailable ?? '', /its Web API did not answer \(retrying every 200 ms\)/);
  assert.match(describePlatforms([slack]), /^slack \(not running: its Web API did not answer/);
  // The page shows the banner's line too: its state endpoint carries it.
  const session = await fetch(new URL('/api/session', stack.web!.url), {
    headers: { authorization: `Bearer ${stack.web!.access.token}` },
  });
  const { notices } = (await session.json()) as { notices: string[] };
  assert.equal(notices.length, 1);
  assert.match(notices[0] ?? '', /^slack \(not running: its Web API did not answer/);
  assert.ok(describePlatforms([slack]).includes(notices[0] ?? '-'), 'the banner says the same');
  assert.equal(slack.url, undefined, 'no Slack endpoint opened');
});

test('a Web API that never answers: start gives up after its timeout, says so, and tries again', async () => {
  // Takes every connection and says nothing, like a dropped route or a stuck proxy.
  const sockets: Socket[] = [];
  const blackHole = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const { port } = blackHole.address() as { port: number };
  const slack = slackWithApiOn(port, { startTimeoutMs: 300, startRetryMs: 100 });
  try {
    // Returning at all is the point: the app's own client would wait and retry for minutes.
    await slack.start({ command: async () => {}, reaction: async () => {} });
    assert.match(slack.unavailable ?? '', /its Web API did not answer \(retrying every 100 ms\)/);
    assert.equal(slack.url, undefined, 'no Slack endpoint opened');
    await waitFor('a second try at the Web API', () => sockets.length >= 2 || undefined);
  } finally {
    await slack.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
  }
});
