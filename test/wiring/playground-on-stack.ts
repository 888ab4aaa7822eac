// The playground on the real stack in Chromium: one stack (SQLite, BullMQ, the tiny model) and
// one browser per test file, started before its tests and closed after them.
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { StackHarness } from './stack-harness.js';

export interface PlaygroundOnStack {
  harness: StackHarness;
  /** A page of its own (a browser context: its own session) signed in as `name`. */
  openAs(name: string, viewport?: { width: number; height: number }): Promise<Page>;
}

export function playgroundOnStack(): PlaygroundOnStack {
  const harness = new StackHarness('sqlite');
  let browser: Browser | undefined;
  before(async () => {
    await harness.start();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await harness.cleanup();
  });
  return {
    harness,
    async openAs(name, viewport = { width: 1000, height: 1100 }) {
      const context = await browser!.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${harness.stack.web!.openUrl}&name=${name}`);
      await page.waitForFunction(
        `document.querySelector('#name').value === ${JSON.stringify(name)}`,
      );
      return page;
    },
  };
}
