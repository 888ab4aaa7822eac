// A story in the playground, in real headless Chromium on the REAL stack (BullMQ, the ONNX
// engine with the tiny model, Prisma on SQLite): two users make a two-clip story through the
// ⏩ button's box (test/bots/web/story-steps.ts), the continuations drawn by the engine.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { screenshot } from '../bots/web/screenshot.js';
import { extendTogether } from '../bots/web/story-steps.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { playgroundOnStack } from './playground-on-stack.js';

const { openAs } = playgroundOnStack();

test(
  'two users extend a video into a two-clip story through the ⏩ box, on the real engine',
  { timeout: 300_000 },
  async () => {
    assert.ok(existsSync(CHROMIUM), 'Chromium is installed (apt-get install -y chromium)');
    const alice = await openAs('alice', { width: 1000, height: 1000 });
    const bob = await openAs('bob', { width: 1000, height: 1000 });
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
