// The playground's HTTP API without a browser: input errors, files with byte ranges, and the
// event stream that shows each user only what they may see.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startWebServer, type WebServer } from '../../../src/bots/web/server.js';
import { silentLog } from '../../helpers/silent-log.js';
import { Harness } from '../../service/service-harness.js';

let harness: Harness;
let web: WebServer;

before(async () => {
  harness = await new Harness().start();
  web = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
    adapter: harness.adapter,
  });
});

after(async () => {
  await web.close();
  await harness.cleanup();
});

function post(route: string, body: unknown): Promise<Response> {
  return fetch(new URL(route, web.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('bad requests get a 400 that says what is wrong', async () => {
  const cases: [string, unknown, RegExp][] = [
    ['/api/command', { user: 'bad name', text: '/help' }, /the name must be 1 to 24 letters/],
    ['/api/command', { user: 'firstframe', text: '/help' }, /is the bot's name/],
    ['/api/command', { user: 'alice', text: '   ' }, /1 to 2000 characters/],
    ['/api/command', { user: 'alice' }, /"text" must be a string/],
    ['/api/command', 'not json', /must be a JSON object/],
    ['/api/reaction', { user: 'alice', messageId: 'm999', emoji: '1️⃣' }, /no message m999/],
  ];
  for (const [route, body, expected] of cases) {
    const response = await post(route, body);
    assert.equal(response.status, 400, `${route} ${JSON.stringify(body)}`);
    assert.match(((await response.json()) as { error: string }).error, expected);
  }
  const big = await post('/api/reaction', {
    user: 'alice',
    messageId: 'x'.repeat(20_000),
    emoji: '1️⃣',
  });
  assert.equal(big.status, 400);
  assert.equal((await fetch(new URL('/nope', web.url))).status, 404);
  assert.equal((await fetch(new URL('/files/unknown/x.png', web.url))).status, 404);
});

test('files are served whole or by byte range', async () => {
  const file = path.join(harness.dir, 'clip.mp4');
  writeFileSync(file, Buffer.from('0123456789'));
  const posted = await harness.adapter.post('playground', {
    text: 'clip',
    attachments: [{ path: file, kind: 'video' }],
  });
  const url = new URL(
    harness.adapter.history('alice').find((m) => m.id === posted.messageId)?.attachments[0]
      ?.url as string,
    web.url,
  );
  const whole = await fetch(url);
  assert.equal(whole.headers.get('content-type'), 'video/mp4');
  assert.equal(await whole.text(), '0123456789');
  const part = await fetch(url, { headers: { range: 'bytes=2-5' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), 'bytes 2-5/10');
  assert.equal(await part.text(), '2345');
  const beyond = await fetch(url, { headers: { range: 'bytes=20-' } });
  assert.equal(beyond.status, 416);
});

async function firstSnapshot(user: string): Promise<{ text: string; visibleTo?: string }[]> {
  const controller = new AbortController();
  const response = await fetch(new URL(`/events?user=${user}`, web.url), {
    signal: controller.signal,
  });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let buffer = '';
  while (!buffer.includes('\n\n')) buffer += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  const data = /^event: snapshot\ndata: (.*)$/m.exec(buffer)?.[1];
  assert.ok(data, buffer);
  return JSON.parse(data) as { text: string; visibleTo?: string }[];
}

test('the event stream starts with what that user may see: replies only for them are hidden from others', async () => {
  const response = await post('/api/command', { user: 'carol', text: '/video --steps 0' });
  assert.equal(response.status, 200);
  const carol = await firstSnapshot('carol');
  const dave = await firstSnapshot('dave');
  assert.ok(carol.some((m) => m.visibleTo === 'carol' && /prompt is empty/.test(m.text)));
  assert.ok(!dave.some((m) => m.visibleTo !== undefined));
  assert.ok(
    dave.some((m) => m.text === '/video --steps 0'),
    'the typed line is public',
  );
});
