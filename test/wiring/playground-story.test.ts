// A story in the playground, in real headless Chromium on the REAL stack (BullMQ, the ONNX
// engine with the tiny model, Prisma on SQLite): alice and bob vote on a first video; alice
// clicks ⏩ under it, types what happens next in the page's own box, both vote on the story
// round's preview grid of four continuations, and the whole story plays in both pages with
// both clips listed (caption, seed, voters). `SCREENSHOTS=docs` writes docs/playground-story.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { StackHarness } from './stack-harness.js';

const SCREENSHOT_DIR = path.resolve(process.env.SCREENSHOTS === 'docs' ? 'docs' : '.tmp');
const harness = new StackHarness('sqlite');
let browser: Browser;

before(async () => {
  await harness.start();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await harness.cleanup();
});

async function openAs(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`${harness.stack.web!.openUrl}&name=${name}`);
  await page.waitForFunction(`document.querySelector('#name').value === ${JSON.stringify(name)}`);
  return page;
}

/** The open round whose text matches, and a click on one of its buttons. */
const round = (page: Page, words: RegExp) => page.locator('.message', { hasText: words });

async function vote(page: Page, words: RegExp, emoji: string): Promise<void> {
  await round(page, words).locator(`button[data-emoji="${emoji}"]`).click({ timeout: 60_000 });
  await round(page, words).locator(`button[data-emoji="${emoji}"].mine`).waitFor();
}

async function expectCount(page: Page, words: RegExp, emoji: string, n: number): Promise<void> {
  await round(page, words)
    .locator(`button[data-emoji="${emoji}"] .count`)
    .filter({ hasText: new RegExp(`^${n}$`) })
    .waitFor({ timeout: 10_000 });
}

/** The video's length in seconds once the page has read it. */
async function duration(page: Page, message: string): Promise<number> {
  const handle = await page.waitForFunction(
    `(() => { const node = [...document.querySelectorAll('.message')].find((m) => m.textContent.includes(${JSON.stringify(message)})); const video = node && node.querySelector('video'); return video && video.readyState >= 1 ? video.duration : null; })()`,
    undefined,
    { timeout: 30_000 },
  );
  return (await handle.jsonValue()) as number;
}

const FIRST = 'a small green triangle moving up';
const NEXT = 'a small green triangle moving down';
const ROUND_1 = /Round 1 for "a small green triangle moving up"/;
const STORY_ROUND = /Round 1 for "a small green triangle moving down" \(clip 2 of/;

test(
  'two users extend a video into a two-clip story through the ⏩ box in Chromium',
  { timeout: 300_000 },
  async () => {
    assert.ok(existsSync(CHROMIUM), 'Chromium is installed (apt-get install -y chromium)');
    const alice = await openAs('alice');
    const bob = await openAs('bob');

    await alice.locator('#line').fill(`/video ${FIRST} --seed 5 --steps 2`);
    await alice.locator('#line').press('Enter');
    await vote(alice, ROUND_1, '4️⃣');
    await vote(bob, ROUND_1, '4️⃣');
    await expectCount(alice, ROUND_1, '4️⃣', 2);
    await round(alice, ROUND_1).locator('button[data-emoji="✅"]').click();

    const first = alice.locator('.message', { hasText: `🎬 "${FIRST}" for alice` });
    await first.locator('video').waitFor({ timeout: 90_000 });
    const firstSeconds = await duration(alice, `🎬 "${FIRST}" for alice`);

    // ⏩ under the newest video opens a box in the page: no command to type, no prompt().
    const extend = first.locator('button.extend[data-emoji="⏩"]');
    assert.match((await extend.textContent()) ?? '', /extend/);
    await extend.click();
    const box = first.locator('form.extend input');
    await box.waitFor();
    await box.fill(`${NEXT} --seed 9`);
    await box.press('Enter');
    await first.locator('form.extend').waitFor({ state: 'detached', timeout: 10_000 });

    // The story round: a 2x2 preview of four continuations, shown as a grid, without 🔀.
    for (const page of [alice, bob]) {
      const grid = round(page, STORY_ROUND).locator('.grid img');
      await grid.waitFor({ timeout: 120_000 });
      const src = (await grid.getAttribute('src')) ?? '';
      assert.match(src, /\.gif$/, 'the preview is an animated GIF');
      await page.waitForFunction(
        `[...document.querySelectorAll('.grid img')].every((image) => image.complete && image.naturalWidth > 0)`,
      );
      const labels = await round(page, STORY_ROUND).locator('.reactions .label').allTextContents();
      assert.deepEqual(labels, [
        'continuation 1',
        'continuation 2',
        'continuation 3',
        'continuation 4',
        'new continuations',
        'close vote',
      ]);
    }
    await vote(alice, STORY_ROUND, '2️⃣');
    await vote(bob, STORY_ROUND, '2️⃣');
    await expectCount(bob, STORY_ROUND, '2️⃣', 2);
    await round(alice, STORY_ROUND).locator('button[data-emoji="✅"]').click();

    const storyText = `🎬 Story "${FIRST}", 2 clips, for alice:`;
    for (const page of [alice, bob]) {
      const story = page.locator('.message', { hasText: storyText });
      await story.locator('video').waitFor({ timeout: 120_000 });
      const clips = await story.locator('ol.story li').allTextContents();
      assert.equal(clips.length, 2, `both clips are listed: ${clips.join(' | ')}`);
      assert.match(clips[0]!, new RegExp(`^“${FIRST}” · seed 8 · chosen by alice, bob$`));
      assert.match(clips[1]!, new RegExp(`^“${NEXT}” · seed 10 · chosen by alice, bob$`));
      assert.match((await story.locator('a.gif').getAttribute('href')) ?? '', /\.gif$/);
      // The whole story is one video, longer than its first clip.
      const seconds = await duration(page, storyText);
      assert.ok(
        seconds > firstSeconds,
        `the story (${seconds} s) outlasts clip 1 (${firstSeconds} s)`,
      );
      // Now the story's video is the newest: only its ⏩ opens the box.
      await story.locator('button.extend').waitFor();
      assert.equal(await page.locator('button.extend').count(), 1);
    }

    await alice.mouse.move(0, 0);
    const story = alice.locator('.message', { hasText: storyText });
    await story.scrollIntoViewIfNeeded();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const png = await sharp(await alice.screenshot())
      .png({ palette: true, colours: 128 })
      .toBuffer();
    writeFileSync(path.join(SCREENSHOT_DIR, 'playground-story.png'), png);
  },
);
