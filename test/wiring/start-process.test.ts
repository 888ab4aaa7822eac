// `npm start` as a person runs it: a child process from an empty folder (no .env), its own
// data folder, any free port, its own queue prefix on the shared Redis. It prints the URL,
// serves the page, makes a video through the HTTP API (watched over the event stream, the
// way the page does), and exits with code 0 within 5 s of SIGTERM, saying so.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { WebClient } from '../bots/web/web-client.js';
import { allInOneSettings, startBin } from '../helpers/bin-process.js';
import { dropPrefix, SHARED_REDIS_URL } from '../queue/helpers.js';

const work = mkdtempSync(path.join(tmpdir(), 'ff-start-'));
const prefix = `ff-start-${randomUUID()}`;
after(async () => {
  await dropPrefix(SHARED_REDIS_URL, prefix);
  rmSync(work, { recursive: true, force: true });
});

function start() {
  return startBin('start', allInOneSettings(work, prefix, SHARED_REDIS_URL), work);
}

async function until<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test(
  'npm start prints its URL, makes a video, and stops cleanly on SIGTERM',
  { timeout: 300_000 },
  async () => {
    const app = start();
    try {
      const url = await until(
        'the printed URL',
        () => /open (http:\/\/\S+)/.exec(app.output())?.[1],
        120_000,
      );
      assert.match(url, /\/\?token=[\w-]{20,}$/, 'the URL carries the access token');
      assert.match(app.output(), /as an admin: http:\/\/\S+\/\?admin=[\w-]{20,}/);
      assert.match(app.output(), /redis: redis:\/\/\S+/, 'the banner names the Redis it uses');
      assert.equal((await fetch(new URL('/', url))).status, 401, 'no token, no page');
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>firstframe playground<\/title>/);
      const token = new URL(url).searchParams.get('token')!;
      const web = new WebClient(url, token);
      const post = async (route: string, body: unknown) => {
        const response = await web.post(route, body, 'alice');
        assert.equal(response.status, 200, await response.text());
      };
      assert.ok(existsSync(path.join(work, 'data', 'firstframe.db')), 'SQLite under DATA_DIR');

      const alice = web.follow('alice');
      await post('/api/command', { text: '/video a red circle --seed 3 --steps 2' });
      const round = await until('the grid', () => alice.find(/Round 1 for/), 120_000);
      await post('/api/reaction', { messageId: round.id, emoji: '2️⃣' });
      await post('/api/reaction', { messageId: round.id, emoji: '✅' });
      const result = await until(
        'the video',
        () => {
          const message = alice.find(/^🎬/);
          return message?.attachments.some((a) => a.kind === 'video') ? message : undefined;
        },
        180_000,
      );
      alice.stop();
      const videoUrl = new URL(result.attachments.find((a) => a.kind === 'video')!.url, url);
      assert.equal((await fetch(videoUrl)).status, 401, 'files need the token');
      const video = await fetch(videoUrl, { headers: await web.headers() });
      assert.equal(video.status, 200);
      assert.equal(video.headers.get('content-type'), 'video/mp4');
    } finally {
      app.child.kill('SIGTERM');
    }
    const signalled = Date.now();
    const code = await app.exited;
    const stopMs = Date.now() - signalled;
    assert.equal(code, 0, app.output());
    // Nothing is running: stopping is closing connections, well inside 5 s.
    assert.ok(stopMs < 5_000, `stopped ${stopMs} ms after SIGTERM`);
    assert.match(app.output(), /firstframe stopped\n/, 'a last line says it stopped');
    assert.doesNotMatch(app.output(), /"level":50|error during shutdown/, 'no errors logged');
  },
);
