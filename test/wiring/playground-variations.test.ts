// 🔀 in the playground, in real headless Chromium on the REAL stack (BullMQ, the ONNX engine with
// the tiny model, Prisma on SQLite): bob votes for frame 3, alice clicks the grid's "variations"
// button, and round 2 -- four variations of frame 3 -- shows as a grid in both pages; both vote,
// alice closes the vote and the video of the chosen variation plays in both pages.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM } from '../helpers/chromium.js';
import { playgroundOnStack } from './playground-on-stack.js';

const { harness, openAs } = playgroundOnStack();

const ROUND_1 = /Round 1 for "a black diamond moving left"/;
const ROUND_2 = /Round 2 for "a black diamond moving left" \(variations of frame 3 of round 1\)/;
const round = (page: Page, words: RegExp) => page.locator('.message', { hasText: words });

async function click(page: Page, words: RegExp, emoji: string): Promise<void> {
  await round(page, words).locator(`button[data-emoji="${emoji}"]`).click({ timeout: 60_000 });
}

async function expectCount(page: Page, words: RegExp, emoji: string, n: number): Promise<void> {
  await round(page, words)
    .locator(`button[data-emoji="${emoji}"] .count`)
    .filter({ hasText: new RegExp(`^${n}$`) })
    .waitFor({ timeout: 10_000 });
}

/** The grid picture of a round once the page has loaded it: its URL and its width in pixels. */
async function shownGrid(page: Page, words: RegExp): Promise<{ url: string; width: number }> {
  const image = round(page, words).locator('.grid img');
  await image.waitFor({ timeout: 90_000 });
  const url = (await image.getAttribute('src')) ?? '';
  const width = await image.evaluate('(image) => image.complete ? image.naturalWidth : 0');
  if (width === 0) {
    await page.waitForFunction(
      `[...document.querySelectorAll('.grid img')].every((image) => image.complete && image.naturalWidth > 0)`,
    );
    return shownGrid(page, words);
  }
  return { url, width: width as number };
}

test(
  'a 🔀 round in Chromium: four variations of frame 3 shown, voted on, the video posted',
  { timeout: 240_000 },
  async () => {
    assert.ok(existsSync(CHROMIUM), 'Chromium is installed (apt-get install -y chromium)');
    const alice = await openAs('alice');
    const bob = await openAs('bob');

    await alice.locator('#line').fill('/video a black diamond moving left --seed 500 --steps 2');
    await alice.locator('#line').press('Enter');
    const first = await shownGrid(alice, ROUND_1);
    const variations = round(alice, ROUND_1).locator('button[data-emoji="🔀"]');
    assert.equal(await variations.locator('.label').textContent(), 'variations');

    await click(bob, ROUND_1, '3️⃣');
    await expectCount(alice, ROUND_1, '3️⃣', 1);
    await variations.click();

    for (const page of [alice, bob]) {
      await page
        .locator('.message', {
          hasText: /Round 1 for .* closed: alice asked for variations of frame 3/,
        })
        .waitFor({ timeout: 30_000 });
      const second = await shownGrid(page, ROUND_2);
      // A picture of its own, of four cells like round 1's.
      assert.notEqual(second.url, first.url);
      assert.equal(second.width, first.width);
      assert.match(
        (await round(page, ROUND_2).locator('.text').textContent()) ?? '',
        /Seeds: 504, 505, 506, 507\./,
      );
      const labels = await round(page, ROUND_2).locator('.reactions .label').allTextContents();
      assert.deepEqual(labels.slice(0, 4), ['frame 1', 'frame 2', 'frame 3', 'frame 4']);
    }
    const firstFile = readFileSync(harness.fileOf(first.url));
    const secondUrl = (await round(alice, ROUND_2).locator('.grid img').getAttribute('src')) ?? '';
    assert.ok(!readFileSync(harness.fileOf(secondUrl)).equals(firstFile), 'new pixels in round 2');

    await click(alice, ROUND_2, '2️⃣');
    await click(bob, ROUND_2, '2️⃣');
    for (const page of [alice, bob]) await expectCount(page, ROUND_2, '2️⃣', 2);
    await click(alice, ROUND_2, '✅');

    for (const page of [alice, bob]) {
      const result = page.locator('.message', { hasText: '🎬 "a black diamond moving left"' });
      await result.locator('video').waitFor({ timeout: 90_000 });
      assert.match(
        (await result.locator('.text').textContent()) ?? '',
        /for alice: seed 505, frame 2 of round 2; votes: 1️⃣ 0 · 2️⃣ 2 · 3️⃣ 0 · 4️⃣ 0/,
      );
      const size = await page.waitForFunction(
        `(() => { const video = document.querySelector('.message video'); return video && video.readyState >= 2 ? [video.videoWidth, video.videoHeight] : null; })()`,
        undefined,
        { timeout: 20_000 },
      );
      const [width, height] = (await size.jsonValue()) as [number, number];
      assert.ok(
        width >= 64 && width === height,
        `the MP4 decodes in the page (${width}x${height})`,
      );
    }
  },
);
