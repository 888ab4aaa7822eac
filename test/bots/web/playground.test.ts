// The playground in real headless Chromium: two users in two pages, one asks for a video,
// both see the grid and vote with live counts, the round closes, the video plays in both.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { startWebServer, type WebServer } from '../../../src/bots/web/server.js';
import { WebChatAdapter } from '../../../src/bots/web/web-adapter.js';
import { silentLog } from '../../helpers/silent-log.js';
import { Harness } from '../../service/service-harness.js';
import { screenshot } from './screenshot.js';

const CHROMIUM = '/usr/bin/chromium';

/** True when the message list is scrolled to its end (as a browser-side expression). */
const AT_BOTTOM = `(() => { const list = document.querySelector('#messages'); return list.scrollHeight - list.scrollTop - list.clientHeight < 2; })()`;

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

async function openAs(
  name: string,
  viewport = { width: 1000, height: 1100 },
  server: WebServer = web,
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${server.openUrl}&name=${name}`);
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

    // "Voting closes in 60 s" counts down live.
    const countdown = alice.locator('.message', { hasText: 'Round 1' }).locator('.countdown');
    const first = Number(await countdown.textContent());
    assert.ok(first > 0 && first <= 60, `the countdown starts at ${first}`);
    await countdown
      .filter({ hasText: new RegExp(`^(${[...Array(first).keys()].join('|')})$`) })
      .waitFor({ timeout: 5_000 });
    assert.match(
      (await alice.locator('.text:has(.countdown)').textContent()) ?? '',
      /Voting closes in \d+ s/,
    );

    // The grid's white gaps are drawn over: the middle column of the grid is dark on the page.
    const gridFrame = alice.locator('.message', { hasText: 'Round 1' }).locator('.grid');
    const shot = await sharp(await gridFrame.screenshot())
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height, channels } = shot.info;
    for (const y of [Math.round(height / 4), Math.round((3 * height) / 4)]) {
      const at = (y * width + Math.floor(width / 2)) * channels;
      const [r, g, b] = [shot.data[at]!, shot.data[at + 1]!, shot.data[at + 2]!];
      assert.ok(r + g + b < 200, `the gap between frames is dark on the page, got ${r},${g},${b}`);
    }
    // A click enlarges the grid; Escape closes it.
    await gridFrame.locator('img').click();
    const enlarged = alice.locator('#viewer[open] img');
    await enlarged.waitFor({ timeout: 5_000 });
    assert.ok(((await enlarged.boundingBox())?.width ?? 0) > 400, 'the enlarged grid is larger');
    await alice.keyboard.press('Escape');
    await alice.locator('#viewer[open]').waitFor({ state: 'detached', timeout: 5_000 });

    // The reaction buttons say in words what their emoji mean.
    const labels = await alice
      .locator('.message', { hasText: 'Round 1' })
      .locator('.reactions .label')
      .allTextContents();
    assert.deepEqual(labels, [
      'frame 1',
      'frame 2',
      'frame 3',
      'frame 4',
      'new frames',
      'variations',
      'close vote',
    ]);

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
      // The MP4 is the result; the GIF is a link, not a second picture.
      assert.equal(await result.locator('img').count(), 0, 'no GIF picture next to the video');
      assert.match((await result.locator('a.gif').getAttribute('href')) ?? '', /\.gif$/);
      const videoWidth = (await result.locator('video').boundingBox())?.width ?? 0;
      const gridWidth = (await page.locator('.grid img').first().boundingBox())?.width ?? 0;
      assert.ok(videoWidth > gridWidth, `the video (${videoWidth}px) is the main picture`);
      // The closed round no longer counts down, and its reactions are greyed out.
      assert.equal(await page.locator('.countdown').count(), 0);
      const round = page.locator('.message', { hasText: 'frame 2 wins' });
      assert.match((await round.getAttribute('class')) ?? '', /\bclosed\b/);
      const opacity = await page.evaluate(
        `getComputedStyle(document.querySelector('.message.closed .reactions button')).opacity`,
      );
      assert.ok(Number(opacity) < 1, `a closed round's reactions are greyed (opacity ${opacity})`);
    }
    // A late vote on the closed round does not count: bob is told so, privately.
    await bob
      .locator('.message', { hasText: 'frame 2 wins' })
      .locator('button[data-emoji="4️⃣"]')
      .click();
    await bob.locator('.message.ephemeral', { hasText: 'is closed' }).waitFor({ timeout: 10_000 });
    await expectCount(bob, '4️⃣', 0);

    await bob.setViewportSize({ width: 1000, height: 1040 }); // the list shrinks: it stays at its end
    await bob.mouse.move(0, 0);
    await bob.waitForFunction(AT_BOTTOM, undefined, { timeout: 5_000 });
    await screenshot(bob, 'playground-desktop.png');
  },
);

test('a phone-width page opens at the newest message and has no horizontal scroll', async () => {
  const phone = await openAs('pia', { width: 390, height: 760 });
  try {
    // The history holds the grid and the video of the test above; once they have loaded, the
    // list shows its end (it scrolled again after the pictures grew the messages).
    await phone.locator('.message video').first().waitFor({ timeout: 20_000 });
    await phone.waitForFunction(
      `[...document.images].every((image) => image.complete) && document.querySelector('.message video').readyState >= 1 && ${AT_BOTTOM}`,
      undefined,
      { timeout: 20_000 },
    );
    // ⏩ under the video opens the box for what happens next, on the screen too.
    await phone.locator('button.extend').click();
    await phone.locator('form.extend input').waitFor();
    await phone.waitForFunction(AT_BOTTOM, undefined, { timeout: 5_000 });
    const overflow = await phone.evaluate(
      `[document.documentElement.scrollWidth - document.documentElement.clientWidth, document.querySelector('#messages').scrollWidth - document.querySelector('#messages').clientWidth]`,
    );
    assert.deepEqual(overflow, [0, 0], 'nothing is wider than a 390 px screen');
    for (const selector of [
      '#line',
      '#composer button[type="submit"]',
      '.picker',
      '#name',
      'form.extend input',
      'form.extend button[type="submit"]',
    ]) {
      const box = await phone.locator(selector).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${selector} is on the screen`);
    }
    await screenshot(phone, 'playground-phone.png');
  } finally {
    await phone.context().close();
  }
});

test('the favicon is served (no 404 on each load)', async () => {
  for (const name of ['favicon.ico', 'favicon.svg']) {
    const response = await fetch(new URL(name, web.url));
    assert.equal(response.status, 200, name);
    assert.equal(response.headers.get('content-type'), 'image/svg+xml');
    assert.match(await response.text(), /^<svg /);
  }
  const page = await openAs('fred');
  try {
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    const status = await page.evaluate(`fetch(${JSON.stringify(href)}).then((r) => r.status)`);
    assert.equal(status, 200);
  } finally {
    await page.context().close();
  }
});

test('an empty channel shows a welcome that says what to type', async () => {
  const server = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
    adapter: new WebChatAdapter({ admins: [] }),
  });
  const page = await openAs('wendy', undefined, server);
  try {
    const welcome = page.locator('#welcome');
    await welcome.waitFor({ state: 'visible', timeout: 10_000 });
    const words = (await welcome.textContent()) ?? '';
    assert.match(words, /\/video a red circle moving right/);
    assert.match(words, /\/help/);
    // An example fills the line; once the channel has a message the welcome goes.
    await welcome.getByRole('button', { name: '/help' }).click();
    assert.equal(await page.locator('#line').inputValue(), '/help');
    await page.locator('#line').press('Enter');
    await page.locator('.message', { hasText: '/help' }).waitFor({ timeout: 10_000 });
    await welcome.waitFor({ state: 'hidden', timeout: 5_000 });
  } finally {
    await page.context().close();
    await server.close();
  }
});

test('an image picked in the page is animated without a vote', { timeout: 60_000 }, async () => {
  // A reader at the end of the list sees the new video once it has loaded.
  const reader = await openAs('rita', { width: 800, height: 500 });
  await reader.waitForFunction(AT_BOTTOM);
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

  await reader.waitForFunction(
    `(() => { const videos = document.querySelectorAll('.message video'); const last = videos[videos.length - 1]; return last && last.closest('.message').textContent.includes('the uploaded image') && last.readyState >= 1 && ${AT_BOTTOM}; })()`,
    undefined,
    { timeout: 20_000 },
  );
  await reader.context().close();
  await page.context().close();
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

test('a line the server never answers is kept in the box, and the page says so', async () => {
  const server = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
    adapter: harness.adapter,
  });
  const page = await openAs('petra', undefined, server);
  try {
    await server.close(); // the playground stopped after the page loaded
    await page.fill('#line', 'hello, anyone?');
    await page.click('#composer button[type=submit]');
    await page.locator('#error', { hasText: 'the playground did not answer' }).waitFor();
    assert.equal(await page.inputValue('#line'), 'hello, anyone?', 'nothing typed is lost');
  } finally {
    await page.context().close();
  }
});
