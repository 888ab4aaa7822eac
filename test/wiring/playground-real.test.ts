// The playground in real headless Chromium on the REAL stack (BullMQ, the ONNX engine with the
// tiny test model, Prisma on SQLite): two users vote in two pages, the requester closes the
// round with ✅, the animated MP4 plays in both pages.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM } from '../helpers/chromium.js';
import { playgroundOnStack } from './playground-on-stack.js';

const { openAs } = playgroundOnStack();

const round = (page: Page) => page.locator('.message', { hasText: 'Round 1' });

async function expectCount(page: Page, emoji: string, count: number): Promise<void> {
  await round(page)
    .locator(`button[data-emoji="${emoji}"] .count`)
    .filter({ hasText: new RegExp(`^${count}$`) })
    .waitFor({ timeout: 10_000 });
}

test(
  'two users vote in Chromium on the real stack and both see the video',
  { timeout: 180_000 },
  async () => {
    assert.ok(existsSync(CHROMIUM), 'Chromium is installed (apt-get install -y chromium)');
    const alice = await openAs('alice');
    const bob = await openAs('bob');

    await alice.locator('#line').fill('/video a small green triangle moving up --seed 5 --steps 2');
    await alice.locator('#line').press('Enter');
    for (const page of [alice, bob]) {
      await round(page).locator('img').waitFor({ timeout: 60_000 });
      // Browser-side checks are strings: the project's TypeScript has no DOM types.
      await page.waitForFunction(
        `(() => { const image = document.querySelector('.message img'); return image && image.complete && image.naturalWidth > 0; })()`,
      );
    }

    await round(alice).locator('button[data-emoji="4️⃣"]').click();
    await round(bob).locator('button[data-emoji="4️⃣"]').click();
    for (const page of [alice, bob]) await expectCount(page, '4️⃣', 2);
    await round(alice).locator('button[data-emoji="✅"]').click();

    for (const page of [alice, bob]) {
      await page.locator('.message', { hasText: 'frame 4 wins' }).waitFor({ timeout: 30_000 });
      const result = page.locator('.message', { hasText: '🎬' });
      await result.locator('video').waitFor({ timeout: 90_000 });
      assert.match(
        (await result.locator('.text').textContent()) ?? '',
        /seed 8, frame 4 of round 1/,
      );
      const size = await page.waitForFunction(
        `(() => { const video = document.querySelector('video'); return video && video.readyState >= 2 ? [video.videoWidth, video.videoHeight] : null; })()`,
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
