// An image sent with /video over HTTP, against the real server and bot (Prisma on SQLite,
// in-process jobs): it is written only once its bytes pass, and shown under /files/… only when
// the bot accepts the request. Refused for its words, its options or the quota, it is deleted
// at once and never served.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { startWebServer, type WebServer } from '../../../src/bots/web/server.js';
import { WebChatAdapter } from '../../../src/bots/web/web-adapter.js';
import { ManualClock, waitFor } from '../../helpers/manual-clock.js';
import { silentLog } from '../../helpers/silent-log.js';
import { LIMITS, startDemoBot, stopDemoBot, type DemoBot } from '../../service/service-harness.js';
import { WebClient } from './web-client.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ff-web-uploads-'));
const uploadDir = path.join(dir, 'uploads');
const clock = new ManualClock();
const adapter = new WebChatAdapter({ admins: [], uploadDir });
let bot: DemoBot;
let web: WebServer;
let client: WebClient;
let png: Buffer;

before(async () => {
  bot = await startDemoBot({ dir, clock, adapters: [adapter], log: silentLog });
  web = await startWebServer({ host: '127.0.0.1', port: 0, log: silentLog, adapter });
  client = new WebClient(web.url, web.access.token);
  png = await sharp({ create: { width: 48, height: 48, channels: 3, background: '#ffd000' } })
    .png()
    .toBuffer();
});

after(async () => {
  await web.close();
  await stopDemoBot(bot);
  rmSync(dir, { recursive: true, force: true });
});

const image = (data: Buffer, name = 'frame.png') => ({
  name,
  type: 'image/png',
  data: data.toString('base64'),
});

function stored(): string[] {
  try {
    return readdirSync(uploadDir);
  } catch {
    return [];
  }
}

/** Sends `text` with an image as `user`; the bot's answer to it, and the request message. */
async function send(user: string, text: string, data = png) {
  const response = await client.post('/api/command', { text, image: image(data) }, user);
  const body = (await response.json()) as { ok?: boolean; id?: string; error?: string };
  return {
    status: response.status,
    body,
    request: adapter.history(user).find((m) => m.id === body.id),
  };
}

function replyTo(user: string, id: string | undefined) {
  return waitFor(
    () => adapter.history(user).find((m) => m.author.isBot && m.replyTo === id),
    `the bot's answer to ${id}`,
  );
}

test('refused for its options or its words: the image is deleted and never shown', async () => {
  for (const text of ['/video a red circle --size 3', '/video a red\u0000circle', '/video']) {
    const { status, body, request } = await send('alice', text);
    assert.equal(status, 200, 'the line is taken; the bot answers it');
    const answer = await replyTo('alice', body.id);
    assert.match(answer.text, /^Sorry, I can't do that/);
    assert.deepEqual(request?.attachments, [], `${text}: no image shown`);
    assert.deepEqual(stored(), [], `${text}: no file kept`);
  }
});

test('refused for the quota: the image is deleted and never shown, nothing charged', async () => {
  const subject = { platform: 'local', workspaceId: 'local', userId: 'bob' };
  for (let i = 0; i < LIMITS.user.daily!; i++) {
    assert.ok((await bot.quota.reserve(`used-${i}`, subject, clock.now())).ok);
  }
  const { body, request } = await send('bob', '/video a red circle moving left');
  const answer = await replyTo('bob', body.id);
  assert.match(answer.text, /daily limit of 5 videos is used up/);
  assert.deepEqual(request?.attachments, []);
  assert.deepEqual(stored(), []);
  const status = await bot.quota.status(subject, clock.now());
  assert.equal(status.user.daily.used, LIMITS.user.daily, 'the refusal charged nothing');
});

test('refused from its bytes: 400 naming what is wrong, nothing written', async () => {
  const bomb = Buffer.from(png);
  bomb.writeUInt32BE(20000, 16);
  bomb.writeUInt32BE(20000, 20);
  const { status, body } = await send('carol', '/video a red circle', bomb);
  assert.equal(status, 400);
  assert.match(body.error ?? '', /"frame.png" is 20000x20000 pixels; each side must be 1 to 4096/);
  const cut = await send('carol', '/video a red circle', png.subarray(0, png.length - 20));
  assert.match(cut.body.error ?? '', /"frame.png" is cut short/);
  const chat = await send('carol', 'hello there');
  assert.match(chat.body.error ?? '', /an image goes with a \/video command/);
  assert.deepEqual(stored(), []);
  const lines = adapter.history('carol').filter((m) => m.author.name === 'carol');
  assert.equal(lines.length, 0, 'nor any line shown');
});

test('accepted: the image is kept, shown with the request and served', async () => {
  const { body, request } = await send('dave', '/video a red circle moving left');
  assert.equal(stored().length, 1);
  const url = request?.attachments[0]?.url;
  assert.ok(url?.startsWith('/files/'), 'shown with the request');
  const served = await fetch(new URL(url!, web.url), { headers: await client.headers('dave') });
  assert.equal(served.status, 200);
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), png);
  assert.deepEqual(readFileSync(path.join(uploadDir, stored()[0]!)), png);
  await waitFor(
    () => adapter.history('dave').find((m) => m.author.isBot && /uploaded image/.test(m.text)),
    'the flow of the accepted request',
  );
  assert.ok(body.id);
  await bot.service.runner.idle();
});
