// 🔁 in the playground in real headless Chromium on the real stack (BullMQ, the ONNX engine with
// the tiny model, Prisma on SQLite): the posted video shows a "re-take" button; the requester
// clicks it and take 2, a message of its own, plays in the page.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { CHROMIUM } from '../helpers/chromium.js';
import { playgroundOnStack } from './playground-on-stack.js';

const { openAs } = playgroundOnStack();

test('the requester clicks 🔁 under the video and take 2 plays', { timeout: 180_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), 'Chromium is installed (apt-get install -y chromium)');
  const page = await openAs('alice');
  await page.locator('#line').fill('/video a small green triangle moving up --seed 5 --steps 2');
  await page.locator('#line').press('Enter');
  const round = page.locator('.message', { hasText: 'Round 1' });
  await round.locator('button[data-emoji="2️⃣"]').click({ timeout: 60_000 });
  await round.locator('button[data-emoji="2️⃣"].mine').waitFor();
  await round.locator('button[data-emoji="✅"]').click();

  const first = page.locator('.message', { hasText: /🎬 "a small green triangle moving up" for/ });
  await first.locator('video').waitFor({ timeout: 90_000 });
  const retake = first.locator('button[data-emoji="🔁"]');
  assert.match((await retake.textContent()) ?? '', /re-take/);
  await retake.click();

  const take = page.locator('.message', { hasText: /\(take 2\) for alice/ });
  await take.locator('video').waitFor({ timeout: 90_000 });
  assert.match((await take.locator('.text').textContent()) ?? '', /seed 7, frame 2 of round 1/);
  await take.locator('button[data-emoji="🔁"]').waitFor();
});
