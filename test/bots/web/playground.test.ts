// The playground in real headless Chromium: two users in two pages, one asks for a video,
// both see the grid and vote with live counts, the round closes, the video plays in both.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { startWebServer, type WebServer } from '../../../src/bots/web/server.js';
import { silentLog } from '../../helpers/silent-log.js';
import { Harness } from '../../service/service-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT_DIR = path.resolve('.tmp');

let harness: Harness;
let web: WebServer;
let browser: Browser;

before(async () => {
  harness = await new Harness({}, { stepDelayMs: 30 }).start();
  web = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
    adapter: harness.adapter,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
  await web?.close();
  await harness?.cleanup();
});

async function openAs(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1100 } });
  const page = await context.newPage();
  await page.goto(`${web.openUrl}&name=${name}`);
  await page.waitForFunction(`document.querySelector('#name').value === ${JSON.stringify(name)}`);
  assert.doesNotMatch(page.url(), /token/, 'the token leaves the address bar');
  return page;
}

test('without the token URL the page says what to open', async () => {
  const page = await (await browser.newContext()).newPage();
  const response = await page.goto(web.url);
  assert.equal(response?.status(), 401);
  assert.match((await page.textContent('body')) ?? '', /open the URL that `npm start` printed/);
  await page.context().close();
});

test('a second browser cannot take a name already in use, and a page acts only as its own name', async () => {
  const first = await openAs('nina');
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${web.openUrl}&name=nina`);
  await page.locator('#error', { hasText: 'taken by someone else' }).waitFor({ timeout: 10_000 });
  await page.locator('#name').fill('nora');
  await page.locator('#name').press('Enter');
  await page.locator('#error', { hasText: /^$/ }).waitFor({ timeout: 10_000 });
  // A script in the page that names another user is refused by the server.
  const status = await page.evaluate(
    `fetch('/api/command', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'nina', text: 'forged' }) }).then((r) => r.status)`,
  );
  assert.equal(status, 400);
  assert.ok(!harness.adapter.history('nina').some((m) => m.text === 'forged'));
  await context.close();
  await first.context().close();
});

/** The count shown on a reaction button of the grid message, as text. */
function countOf(page: Page, emoji: string) {
  return page
    .locator('.message', { hasText: 'Round 1' })
    .locator(`button[data-emoji="${emoji}"] .count`);
}

async function expectCount(page: Page, emoji: string, count: number): Promise<void> {
  await countOf(page, emoji)
    .filter({ hasText: new RegExp(`^${count}$`) })
    .waitFor({ timeout: 10_000 });
}

test(
  'two users vote together in Chromium and both see the video',
  { timeout: 120_000 },
  async () => {
    assert.ok(existsSync(CHROMIUM), 'Chromium is installed (apt-get install -y chromium)');
    const alice = await openAs('alice');
    const bob = await openAs('bob');

    await alice.locator('#line').fill('/video a big red circle moving left --seed 7 --steps 3');
    await alice.locator('#line').press('Enter');

    for (const page of [alice, bob]) {
      const grid = page.locator('.message', { hasText: 'Round 1' }).locator('img');
      await grid.waitFor({ timeout: 20_000 });
      // Browser-side checks are strings: the project's TypeScript has no DOM types.
      await page.waitForFunction(
        `(() => { const image = document.querySelector('.message img'); return image && image.complete && image.naturalWidth === 260; })()`,
      );
      await expectCount(page, '✅', 0);
    }

    await alice
      .locator('.message', { hasText: 'Round 1' })
      .locator('button[data-emoji="2️⃣"]')
      .click();
    await bob
      .locator('.message', { hasText: 'Round 1' })
      .locator('button[data-emoji="3️⃣"]')
      .click();
    for (const page of [alice, bob]) {
      await expectCount(page, '2️⃣', 1);
      await expectCount(page, '3️⃣', 1);
    }
    // Bob changes his mind: his 3️⃣ is taken back and 2️⃣ counts 2, live in both pages.
    await bob
      .locator('.message', { hasText: 'Round 1' })
      .locator('button[data-emoji="2️⃣"]')
      .click();
    for (const page of [alice, bob]) {
      await expectCount(page, '2️⃣', 2);
      await expectCount(page, '3️⃣', 0);
    }
    assert.equal(
      await bob.locator('.message', { hasText: 'Round 1' }).locator('button.mine').count(),
      1,
      "bob's own reaction is highlighted",
    );

    harness.clock.advance(60_000); // the voting window ends

    for (const page of [alice, bob]) {
      await page.locator('.message', { hasText: 'frame 2 wins' }).waitFor({ timeout: 20_000 });
      const result = page.locator('.message', { hasText: '🎬' });
      await result.locator('video').waitFor({ timeout: 30_000 });
      assert.match(
        (await result.locator('.text').textContent()) ?? '',
        /seed 8, frame 2 of round 1; votes: 1️⃣ 0 · 2️⃣ 2 · 3️⃣ 0 · 4️⃣ 0 · 🔄 0/,
      );
      const size = await page.waitForFunction(
        `(() => { const video = document.querySelector('video'); return video && video.readyState >= 2 ? [video.videoWidth, video.videoHeight] : null; })()`,
        undefined,
        { timeout: 20_000 },
      );
      assert.deepEqual(await size.jsonValue(), [256, 256], 'the MP4 decodes in the page');
      assert.equal(await result.locator('img[alt="GIF preview"]').count(), 1);
    }

    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await bob.screenshot({ path: path.join(SCREENSHOT_DIR, 'playground-bob.png'), fullPage: true });
  },
);

test('an image picked in the page is animated without a vote', { timeout: 60_000 }, async () => {
  const page = await openAs('erin');
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f0dc28' } })
    .png()
    .toBuffer();
  await page
    .locator('#image')
    .setInputFiles({ name: 'yellow.png', mimeType: 'image/png', buffer: png });
  await page.locator('#line').fill('/video a yellow square --seed 11 --steps 1');
  await page.locator('#line').press('Enter');
  const result = page.locator('.message', { hasText: 'the uploaded image' });
  await result.locator('video').waitFor({ timeout: 30_000 });
  assert.match(
    (await result.locator('.text').textContent()) ?? '',
    /for erin: seed 11, the uploaded image/,
  );
  const request = page.locator('.message:not(.bot)', { hasText: '/video a yellow square' });
  assert.equal(await request.locator('img').count(), 1, 'the picked image shows with the request');
});

test("the page shows the start banner's notices (a chat platform not running) at its top", async () => {
  let notices = ['slack (not running: its Web API did not answer (retrying every 30 s))'];
  const server = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
    adapter: harness.adapter,
    notices: () => notices,
  });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.openUrl}&name=olga`);
    const line = page.locator('#notices li');
    await line.filter({ hasText: 'slack (not running: its Web API' }).waitFor({ timeout: 10_000 });
    assert.equal(await line.count(), 1);

    notices = []; // Slack came up
    await page.reload();
    // The name is filled in after the notices, from the same answer.
    await page.waitForFunction(`document.querySelector('#name').value === 'olga'`);
    assert.equal(await line.count(), 0, 'no notice once every platform runs');
  } finally {
    await context.close();
    await server.close();
  }
});
