// The playground tests' pictures: `SCREENSHOTS=docs` writes the README's (docs/playground-*.png),
// else they go under .tmp.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';

export const SCREENSHOT_DIR = path.resolve(process.env.SCREENSHOTS === 'docs' ? 'docs' : '.tmp');

/** A small PNG of what the page shows now (a palette PNG keeps the committed file small). */
export async function screenshot(page: Page, name: string, dir = SCREENSHOT_DIR): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const png = await sharp(await page.screenshot())
    .png({ palette: true, colours: 128 })
    .toBuffer();
  writeFileSync(path.join(dir, name), png);
}
