// A story in the playground in real headless Chromium on the demo parts (the in-process jobs
// draw sketches, ffmpeg makes the videos): two users make a two-clip story through the ⏩
// button's box (story-steps.ts); the page is what docs/playground-story.png shows
// (`SCREENSHOTS=docs`; else it is written under .tmp).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../../../src/bots/web/server.js';
import { CHROMIUM, launchChromium } from '../../helpers/chromium.js';
import { silentLog } from '../../helpers/silent-log.js';
import { Harness } from '../../service/service-harness.js';
import { screenshot } from './screenshot.js';
import { extendTogether } from './story-steps.js';

let harness: Harness;
let web: WebServer;
let browser: Browser;

before(async () => {
  harness = await new Harness().start();
  web = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
    adapter: harness.adapter,
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await web?.close();
  await harness?.cleanup();
});

async function openAs(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1040 } });
  const page = await context.newPage();
  await page.goto(`${web.openUrl}&name=${name}`);
  await page.waitForFunction(`document.querySelector('#name').value === ${JSON.stringify(name)}`);
  return page;
}

test(
  'two users extend a video into a two-clip story through the ⏩ box',
  { timeout: 120_000 },
  async () => {
    assert.ok(existsSync(CHROMIUM), 'Chromium is installed (apt-get install -y chromium)');
    const alice = await openAs('alice');
    const bob = await openAs('bob');
    await extendTogether(alice, bob, {
      first: 'a red circle moving right',
      next: 'the red circle bounces back',
      timeoutMs: 30_000,
    });
    // Bob's page (alice's shows her ⏩ hint at the end), tall enough for the story round and the
    // story below it (clips, video, ⏩ extend), scrolled to its end.
    await bob.setViewportSize({ width: 1000, height: 1200 });
    await bob.mouse.move(0, 0);
    await bob.waitForFunction(
      `(() => { const list = document.querySelector('#messages'); list.scrollTop = list.scrollHeight; return list.textContent.trim().endsWith(${JSON.stringify('extend')}) && list.scrollHeight - list.scrollTop - list.clientHeight < 2; })()`,
    );
    await screenshot(bob, 'playground-story.png');
  },
);
