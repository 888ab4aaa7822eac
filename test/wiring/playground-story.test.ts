// A story in the playground, in real headless Chromium on the REAL stack (BullMQ, the ONNX
// engine with the tiny model, Prisma on SQLite): two users make a two-clip story through the
// ⏩ button's box (test/bots/web/story-steps.ts), the continuations drawn by the engine.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { screenshot } from '../bots/web/screenshot.js';
import { extendTogether } from '../bots/web/story-steps.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { StackHarness } from './stack-harness.js';

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

test(
  'two users extend a video into a two-clip story through the ⏩ box, on the real engine',
  { timeout: 300_000 },
  async () => {
    assert.ok(existsSync(CHROMIUM), 'Chromium is installed (apt-get install -y chromium)');
    const alice = await openAs('alice');
    const bob = await openAs('bob');
    const story = await extendTogether(alice, bob, {
      // Words the tiny model knows.
      first: 'a small green triangle moving up',
      next: 'a small green triangle moving down',
    });
    await alice.mouse.move(0, 0);
    await alice.locator('.message', { hasText: story }).scrollIntoViewIfNeeded();
    await screenshot(alice, 'playground-story-real.png', path.resolve('.tmp'));
  },
);
