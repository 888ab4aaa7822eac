// The playground's HTTP API without a browser: the access token, sessions that fix who acts,
// refused forgeries and cross-origin or non-JSON changes, capped bodies, input errors, files
// with byte ranges, uploads checked before they are kept (and kept only for accepted
// requests), and the event stream that shows each user only what they may see.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { startWebServer, type WebServer } from '../../../src/bots/web/server.js';
import { WebChatAdapter } from '../../../src/bots/web/web-adapter.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { silentLog } from '../../helpers/silent-log.js';
import { Harness } from '../../service/service-harness.js';
import { adminLogin, sessionCookieOf, WebClient } from './web-client.js';

let harness: Harness;
let web: WebServer;
let client: WebClient;

before(async () => {
  harness = await new Harness().start();
  web = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
    adapter: harness.adapter,
  });
  client = new WebClient(web.url, web.access.token);
});

after(async () => {
  await web.close();
  await harness.cleanup();
});

/** A raw request, for headers fetch will not let a script set (Host) or bodies sent slowly. */
function raw(options: {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Leave the body unfinished (the request stays open until destroyed). */
  hold?: boolean;
}) {
  const url = new URL(web.url);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    method: options.method ?? 'POST',
    path: options.path,
    headers: options.headers,
  });
  const answer = new Promise<{ status: number; body: string; connection?: string }>(
    (resolve, reject) => {
      req.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body,
            connection: response.headers.connection,
          }),
        );
      });
      req.on('error', reject);
    },
  );
  if (options.body !== undefined) req.write(options.body);
  if (options.hold) req.flushHeaders();
  else req.end();
  return { req, answer };
}

test('without the token the page and the API answer 401 and say which URL to open', async () => {
  for (const route of ['/', '/events', '/api/session', '/files/x/y.png']) {
    const response = await fetch(new URL(route, web.url));
    assert.equal(response.status, 401, route);
    assert.match(await response.text(), /open the URL that `npm start` printed/);
  }
  const wrong = await fetch(new URL('/?token=guess', web.url));
  assert.equal(wrong.status, 401);
  const post = await fetch(new URL('/api/command', web.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer guess' },
    body: JSON.stringify({ text: '/help' }),
  });
  assert.equal(post.status, 401);
  assert.equal((await fetch(new URL('/healthz', web.url))).status, 200);
});

test('the token URL sets an HttpOnly, SameSite=Strict cookie that opens the rest', async () => {
  const page = await fetch(web.openUrl);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>firstframe playground<\/title>/);
  const [setCookie] = page.headers.getSetCookie();
  assert.match(setCookie ?? '', /^ff_access=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
  const access = setCookie!.split(';')[0]!;
  const session = await fetch(new URL('/api/session', web.url), {
    method: 'POST',
    headers: { cookie: access, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'gina' }),
  });
  assert.equal(session.status, 200);
  assert.deepEqual(await session.json(), { name: 'gina', admin: false });
  const cookies = `${access}; ${sessionCookieOf(session)}`;
  const mine = await fetch(new URL('/api/session', web.url), { headers: { cookie: cookies } });
  assert.deepEqual(await mine.json(), { name: 'gina', admin: false, notices: [] });
});

test('the user comes from the session: a name in the body or query is refused', async () => {
  const forged = await client.post('/api/command', { user: 'bob', text: 'hi from bob' }, 'alice');
  assert.equal(forged.status, 400);
  assert.match(((await forged.json()) as { error: string }).error, /"user" is not accepted/);
  const query = await fetch(new URL('/events?user=bob', web.url), {
    headers: await client.headers('alice'),
  });
  assert.equal(query.status, 400);
  const noSession = await client.post('/api/command', { text: 'hi' });
  assert.equal(noSession.status, 401);
  assert.match(((await noSession.json()) as { error: string }).error, /pick a name first/);

  const said = await client.post('/api/command', { text: 'hello, I am alice' }, 'alice');
  assert.equal(said.status, 200);
  const { id } = (await said.json()) as { id: string };
  const message = harness.adapter.history('alice').find((m) => m.id === id);
  assert.equal(message?.author.name, 'alice');
});

test('a session cannot act as another: names are taken, and a changed cookie is void', async () => {
  await client.session('hank');
  const other = new WebClient(web.url, web.access.token);
  await assert.rejects(other.session('hank'), /409.*taken by someone else/);
  await assert.rejects(other.session('HANK'), /409/);

  // A cookie edited to name someone else fails its signature.
  const cookie = await client.session('ivy');
  const [payload, mac] = cookie.slice('ff_session='.length).split('.');
  const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as object;
  const edited = Buffer.from(JSON.stringify({ ...decoded, name: 'hank' })).toString('base64url');
  const response = await fetch(new URL('/api/command', web.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${web.access.token}`,
      cookie: `ff_session=${edited}.${mac}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ text: 'I am hank now' }),
  });
  assert.equal(response.status, 401);
  assert.ok(!harness.adapter.history('hank').some((m) => m.text === 'I am hank now'));
});

test('changes must be JSON from this server: other origins, hosts and types are refused', async () => {
  const headers = { ...(await client.headers('alice')), 'content-type': 'application/json' };
  const body = JSON.stringify({ text: 'cross-site' });
  const evil = await raw({
    path: '/api/command',
    headers: { ...headers, origin: 'http://evil.example' },
    body,
  }).answer;
  assert.equal(evil.status, 403);
  assert.match(evil.body, /requests from http:\/\/evil.example are refused/);
  const rebound = await raw({
    path: '/api/command',
    headers: { ...headers, host: `evil.example:${new URL(web.url).port}` },
    body,
  }).answer;
  assert.equal(rebound.status, 403);
  const plain = await raw({
    path: '/api/command',
    headers: { ...headers, 'content-type': 'text/plain' },
    body,
  }).answer;
  assert.equal(plain.status, 415);
  assert.match(plain.body, /application\/json/);
  const sameOrigin = await raw({
    path: '/api/command',
    headers: { ...headers, origin: new URL(web.url).origin },
    body,
  }).answer;
  assert.equal(sameOrigin.status, 200, sameOrigin.body);
  const shown = harness.adapter.history('alice').filter((m) => m.text === 'cross-site');
  assert.equal(shown.length, 1, 'only the same-origin request got through');
});

test('bodies are capped in size, and only four are read at once', async () => {
  const headers = { ...(await client.headers('alice')), 'content-type': 'application/json' };
  const big = await raw({
    path: '/api/command',
    headers: { ...headers, 'content-length': 9 * 1024 * 1024 },
    hold: true,
  });
  assert.equal((await big.answer).status, 413);
  big.req.destroy();

  const held = Array.from({ length: 4 }, () =>
    raw({
      path: '/api/command',
      headers: { ...headers, 'content-length': 1000 },
      body: '{',
      hold: true,
    }),
  );
  // A probe that changes nothing when read ('[' is no JSON object: 400) is refused once the
  // four held bodies have their slots: that 503 is what proves the cap, not a pause.
  const probe = async (until: number) => {
    for (let tries = 0; tries < 500; tries++) {
      const answer = await raw({ path: '/api/command', headers, body: '[' }).answer;
      if (answer.status === until) return answer;
      assert.equal(answer.status, until === 503 ? 400 : 503, answer.body);
    }
    throw new Error(`the probe never got ${until}`);
  };
  const fifth = await probe(503);
  assert.match(fifth.body, /busy/);
  // A body within the cap refused for that is read and dropped, not cut off while its page is
  // still sending it (which the page would see as a network error, not "busy").
  const large = Buffer.from(JSON.stringify({ text: 'x'.repeat(6 * 1024 * 1024) }));
  const refused = await raw({
    path: '/api/command',
    headers: { ...headers, 'content-length': large.length },
    body: large,
  }).answer;
  assert.equal(refused.status, 503, refused.body);
  assert.notEqual(refused.connection, 'close', 'the connection stays open to take the rest');
  for (const { req, answer } of held) {
    answer.catch(() => {}); // the connection is cut
    req.destroy();
  }
  await probe(400); // the cut requests gave their slots back
  const later = await client.post('/api/command', { text: 'room again' }, 'alice');
  assert.equal(later.status, 200);
});

test('bad requests get a 400 that says what is wrong', async () => {
  await assert.rejects(client.session('bad name'), /the name must be 1 to 24 letters/);
  await assert.rejects(client.session('firstframe'), /is the bot's name/);
  const cases: [string, unknown, RegExp][] = [
    ['/api/command', { text: '   ' }, /1 to 2000 characters/],
    ['/api/command', {}, /"text" must be a string/],
    ['/api/command', 'not json', /must be a JSON object/],
    ['/api/reaction', { messageId: 'm999', emoji: '1️⃣' }, /no message m999/],
  ];
  for (const [route, body, expected] of cases) {
    const response = await client.post(route, body, 'alice');
    assert.equal(response.status, 400, `${route} ${JSON.stringify(body)}`);
    assert.match(((await response.json()) as { error: string }).error, expected);
  }
  const big = await client.post(
    '/api/reaction',
    { messageId: 'x'.repeat(20_000), emoji: '1️⃣' },
    'alice',
  );
  assert.equal(big.status, 413);
  const headers = await client.headers();
  assert.equal((await fetch(new URL('/nope', web.url), { headers })).status, 404);
  assert.equal((await fetch(new URL('/files/unknown/x.png', web.url), { headers })).status, 404);
});

test('admins come from the configuration or the admin link, never from a name', async () => {
  assert.equal(await harness.adapter.isAdmin('local', 'admin'), true, 'configured');
  assert.equal(await harness.adapter.isAdmin('local', 'root'), false);
  await client.session('root'); // any name, no admin
  assert.equal(await harness.adapter.isAdmin('local', 'root'), false);

  const { session } = await adminLogin(web.adminUrl, 'boss');
  assert.deepEqual(session, { name: 'boss', admin: true });
  assert.equal(await harness.adapter.isAdmin('local', 'boss'), true);
  const wrong = await fetch(new URL(`/?admin=${web.access.token}`, web.url));
  assert.equal(wrong.status, 401, 'the access token is not the admin token');
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
  const headers = await client.headers();
  assert.equal((await fetch(url)).status, 401, 'files need the token too');
  const whole = await fetch(url, { headers });
  assert.equal(whole.headers.get('content-type'), 'video/mp4');
  assert.equal(await whole.text(), '0123456789');
  const part = await fetch(url, { headers: { ...headers, range: 'bytes=2-5' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), 'bytes 2-5/10');
  assert.equal(await part.text(), '2345');
  const beyond = await fetch(url, { headers: { ...headers, range: 'bytes=20-' } });
  assert.equal(beyond.status, 416);
});

test('an upload is checked before it is kept; old uploads expire', async () => {
  const uploadDir = mkdtempSync(path.join(tmpdir(), 'ff-uploads-'));
  try {
    const adapter = new WebChatAdapter({ admins: [], uploadDir, maxFiles: 3 });
    // A bot that accepts every /video with an image (the service's announce), and one that does not.
    let accept = true;
    await adapter.start({
      command: async (command) => void (accept ? await command.announce?.() : undefined),
      reaction: async () => {},
    });
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const fake = { name: 'x.png', contentType: 'image/png', data: Buffer.from('<html>hi</html>') };
    await assert.rejects(adapter.submit('alice', '/video a dot', fake), /not an image we can use/);
    const huge = {
      name: 'big.png',
      contentType: 'image/png',
      data: Buffer.concat([png, Buffer.alloc(6 * 1024 * 1024)]),
    };
    await assert.rejects(adapter.submit('alice', '/video a dot', huge), /too large/);
    assert.deepEqual(readdirSync(uploadDir), [], 'refused files are never written');
    assert.equal(adapter.history('alice').length, 0, 'nor shown');

    const good = await adapter.submit('alice', '/video a dot', {
      name: 'dot.jpg', // the name says JPEG; the bytes say PNG
      contentType: 'image/jpeg',
      data: png,
    });
    const [stored] = readdirSync(uploadDir);
    assert.match(stored ?? '', /\.png$/);
    const fileId = good.attachments[0]!.url.split('/')[2]!;
    assert.ok(adapter.filePath(fileId));
    assert.equal(adapter.expireUploads(Date.now()), 0, 'a fresh upload stays');
    assert.equal(adapter.expireUploads(Date.now() + 25 * 60 * 60 * 1000), 1);
    assert.equal(adapter.filePath(fileId), undefined, 'and is no longer served');
    assert.ok(!existsSync(path.join(uploadDir, stored!)));

    accept = false;
    const refused = await adapter.submit('alice', '/video a dot', { ...fake, data: png });
    assert.deepEqual(refused.attachments, [], 'a refused request shows no image');
    assert.deepEqual(readdirSync(uploadDir), [], 'and keeps none');

    for (let i = 0; i < 5; i++) {
      await adapter.post('playground', {
        text: `${i}`,
        attachments: [{ path: '/x', kind: 'gif' }],
      });
    }
    const served = adapter.history('alice').flatMap((m) => m.attachments);
    assert.equal(served.filter((a) => adapter.filePath(a.url.split('/')[2]!)).length, 3);
  } finally {
    rmSync(uploadDir, { recursive: true, force: true });
  }
});

async function firstSnapshot(user: string): Promise<{ text: string; visibleTo?: string }[]> {
  const controller = new AbortController();
  const response = await fetch(new URL('/events', web.url), {
    headers: await client.headers(user),
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

test('the event stream starts with what that user may see: a refused command and its reply are hidden from others', async () => {
  const response = await client.post('/api/command', { text: '/video --steps 0' }, 'carol');
  assert.equal(response.status, 200);
  const carol = await firstSnapshot('carol');
  const dave = await firstSnapshot('dave');
  assert.ok(carol.some((m) => m.visibleTo === 'carol' && /prompt is empty/.test(m.text)));
  assert.ok(
    carol.some((m) => m.visibleTo === 'carol' && m.text === '/video --steps 0'),
    'the typed line is shown to who typed it',
  );
  assert.ok(!dave.some((m) => m.visibleTo !== undefined || m.text === '/video --steps 0'));
});

/** Follows the event stream as `user`; resolves once it is open (`user` saw their own line). */
async function listen(user: string) {
  const stream = client.follow(user);
  const until = (pattern: RegExp) =>
    waitFor(
      () => stream.received.findLast((m) => pattern.test(m.text)),
      `${user} receives ${pattern}`,
    );
  await say(user, `${user} is here`);
  await until(new RegExp(`^${user} is here$`));
  return { ...stream, until };
}

async function say(user: string, text: string): Promise<string> {
  const response = await client.post('/api/command', { text }, user);
  const body = (await response.json()) as { id?: string; error?: string };
  assert.equal(response.status, 200, body.error);
  return body.id as string;
}

function react(user: string, messageId: string, emoji: string): Promise<Response> {
  return client.post('/api/reaction', { messageId, emoji }, user);
}

const answerTo = (user: string, id: string) =>
  waitFor(
    () => harness.adapter.history(user).find((m) => m.author.isBot && m.replyTo === id),
    `the answer to ${id}`,
  );

test("commands and their answers are private to who typed them; an accepted /video is everyone's", async () => {
  const frank = await listen('frank');
  const erin = await listen('erin');
  const typed = ['/help', '/quota', '/info', '/history', '/video --steps 0', '/queue'];
  const ids: string[] = [];
  for (const line of typed) ids.push(await say('erin', line));
  const adminSet = await say('admin', '/quota set @erin daily 3');

  for (const [i, id] of ids.entries()) {
    const echo = erin.received.find((m) => m.id === id);
    assert.equal(echo?.text, typed[i]);
    assert.equal(echo?.visibleTo, 'erin', `${typed[i]} is echoed to erin only`);
    assert.equal((await answerTo('erin', id)).visibleTo, 'erin');
  }
  const done = await answerTo('admin', adminSet);
  assert.match(done.text, /^Done: /);
  assert.equal(done.visibleTo, 'admin');
  assert.ok(!erin.received.some((m) => m.id === adminSet), "erin never gets the admin's line");

  // A public line after them all: once frank has it, he was sent everything before it.
  await say('erin', 'hello everyone');
  await frank.until(/^hello everyone$/);
  const privateToFrank = frank.received.filter(
    (m) => m.visibleTo !== undefined || [...ids, adminSet].includes(m.id),
  );
  assert.deepEqual(privateToFrank, [], 'frank is sent nothing private');
  assert.ok(!harness.adapter.history('frank').some((m) => m.visibleTo));

  // Another user's private message cannot be reacted to (it is not there for them).
  assert.equal((await react('frank', ids[0]!, '👍')).status, 400);

  // An accepted /video: the request and the vote are for everyone.
  const request = await say('erin', '/video a red circle');
  const shared = await frank.until(/^\/video a red circle$/);
  assert.equal(shared.id, request);
  assert.equal(shared.visibleTo, undefined);
  await frank.until(/^🗳️ Round 1 for "a red circle"/);
  await harness.settle();
});

test('closed means closed: a closed grid ignores votes, shows its result; a non-requester ✅ gets a private note', async () => {
  const frank = await listen('frank');
  await say('grace', '/video a blue square');
  const grid = await frank.until(/^🗳️ Round 1 for "a blue square"/);
  assert.equal(grid.closed, undefined);
  const reactionsOf = (user: string) =>
    (harness.adapter.history(user).find((m) => m.id === grid.id)?.reactions ?? [])
      .filter((r) => r.users.includes(user))
      .map((r) => r.emoji);

  assert.equal((await react('frank', grid.id, '2️⃣')).status, 200);
  assert.equal((await react('frank', grid.id, '✅')).status, 200);
  const note = await frank.until(/only the requester \(grace\) can close this vote/i);
  assert.equal(note.visibleTo, 'frank');
  assert.deepEqual(reactionsOf('frank'), ['2️⃣'], "frank's ✅ is taken back");
  assert.ok(!harness.adapter.history('grace').some((m) => m.id === note.id));

  assert.equal((await react('grace', grid.id, '✅')).status, 200);
  const closed = harness.adapter.history('heidi').find((m) => m.id === grid.id);
  assert.match(closed?.text ?? '', /^Round 1 for "a blue square" closed: frame 2 wins/);
  assert.equal(closed?.closed, true, 'the page can grey out its reactions');
  assert.equal((await frank.until(/^Round 1 for "a blue square" closed/)).closed, true);

  // A late vote while the video is made, and another once it is posted (the generation done).
  assert.equal((await react('frank', grid.id, '3️⃣')).status, 200);
  const late = await frank.until(/is closed \(frame 2 won\): your reaction does not count/);
  assert.equal(late.visibleTo, 'frank');
  assert.deepEqual(reactionsOf('frank'), ['2️⃣'], 'one vote shows, not two');
  const video = await frank.until(/^🎬 "a blue square"/);
  assert.match(video.text, /frame 2 of round 1; votes: 1️⃣ 0 · 2️⃣ 1 · 3️⃣ 0/);
  await harness.settle();
  assert.equal((await react('heidi', grid.id, '4️⃣')).status, 200);
  const heidiNote = harness.adapter
    .history('heidi')
    .find((m) => m.visibleTo === 'heidi' && /is closed \(frame 2 won\)/.test(m.text));
  assert.ok(heidiNote, 'heidi is told, once the generation is done too');
  assert.deepEqual(reactionsOf('heidi'), [], "heidi's late vote is taken back");
  assert.equal(
    harness.adapter.history('frank').filter((m) => /^🎬 "a blue square"/.test(m.text)).length,
    1,
    'one video',
  );
});
