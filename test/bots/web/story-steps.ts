// A two-clip story made in two Chromium pages of the playground, on whatever bot serves them
// (the demo parts or the real stack): alice asks for a video and both vote for frame 4; alice
// clicks ⏩ under it and types what happens next in the page's box; both vote for
// continuation 2 of the story round's preview grid; the whole story plays in both pages with both
// clips listed. Each step checks what the page shows.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

const round = (page: Page, words: RegExp) => page.locator('.message', { hasText: words });

async function vote(page: Page, words: RegExp, emoji: string): Promise<void> {
  await round(page, words).locator(`button[data-emoji="${emoji}"]`).click({ timeout: 90_000 });
  await round(page, words).locator(`button[data-emoji="${emoji}"].mine`).waitFor();
}

async function expectCount(page: Page, words: RegExp, emoji: string, n: number): Promise<void> {
  await round(page, words)
    .locator(`button[data-emoji="${emoji}"] .count`)
    .filter({ hasText: new RegExp(`^${n}$`) })
    .waitFor({ timeout: 10_000 });
}

/** The video's length in seconds once the page has read it. */
async function duration(page: Page, words: string): Promise<number> {
  const handle = await page.waitForFunction(
    `(() => { const node = [...document.querySelectorAll('.message')].find((m) => m.textContent.includes(${JSON.stringify(words)})); const video = node && node.querySelector('video'); return video && video.readyState >= 1 ? video.duration : null; })()`,
    undefined,
    { timeout: 30_000 },
  );
  return (await handle.jsonValue()) as number;
}

const escape = (words: string) => words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Makes the story; `first` and `next` are captions the model knows (`next` is sent with
 * --seed 9, so continuation 2 has seed 10). Returns the story message's words.
 */
export async function extendTogether(
  alice: Page,
  bob: Page,
  story: { first: string; next: string; timeoutMs?: number },
): Promise<string> {
  const { first, next } = story;
  const timeout = story.timeoutMs ?? 120_000;
  const round1 = new RegExp(`Round 1 for "${escape(first)}"`);
  const storyRound = new RegExp(`Round 1 for "${escape(next)}" \\(clip 2 of`);

  await alice.locator('#line').fill(`/video ${first} --seed 5 --steps 2`);
  await alice.locator('#line').press('Enter');
  await vote(alice, round1, '4️⃣');
  await vote(bob, round1, '4️⃣');
  await expectCount(alice, round1, '4️⃣', 2);
  await round(alice, round1).locator('button[data-emoji="✅"]').click();

  const firstWords = `🎬 "${first}" for alice`;
  const video = alice.locator('.message', { hasText: firstWords });
  await video.locator('video').waitFor({ timeout });
  const firstSeconds = await duration(alice, firstWords);

  // ⏩ under the newest video opens a box in the page: no command to type, no prompt().
  const extend = video.locator('button.extend[data-emoji="⏩"]');
  assert.match((await extend.textContent()) ?? '', /extend/);
  await extend.click();
  const box = video.locator('form.extend input');
  await box.waitFor();
  await box.fill(`${next} --seed 9`);
  await box.press('Enter');
  await video.locator('form.extend').waitFor({ state: 'detached', timeout: 10_000 });

  // The story round: a 2x2 preview of four continuations, shown as a grid, without 🔀.
  for (const page of [alice, bob]) {
    const grid = round(page, storyRound).locator('.grid img');
    await grid.waitFor({ timeout });
    assert.match((await grid.getAttribute('src')) ?? '', /\.gif$/, 'the preview is a GIF');
    await page.waitForFunction(
      `[...document.querySelectorAll('.grid img')].every((image) => image.complete && image.naturalWidth > 0)`,
    );
    const labels = await round(page, storyRound).locator('.reactions .label').allTextContents();
    assert.deepEqual(labels, [
      'continuation 1',
      'continuation 2',
      'continuation 3',
      'continuation 4',
      'new continuations',
      'close vote',
    ]);
  }
  await vote(alice, storyRound, '2️⃣');
  await vote(bob, storyRound, '2️⃣');
  await expectCount(bob, storyRound, '2️⃣', 2);
  await round(alice, storyRound).locator('button[data-emoji="✅"]').click();

  const storyWords = `🎬 Story "${first}", 2 clips, for alice:`;
  for (const page of [alice, bob]) {
    const message = page.locator('.message', { hasText: storyWords });
    await message.locator('video').waitFor({ timeout });
    const clips = await message.locator('ol.story li').allTextContents();
    assert.deepEqual(clips, [
      `“${first}” · seed 8 · chosen by alice, bob`,
      `“${next}” · seed 10 · chosen by alice, bob`,
    ]);
    assert.match((await message.locator('a.gif').getAttribute('href')) ?? '', /\.gif$/);
    // The whole story is one video, longer than its first clip.
    const seconds = await duration(page, storyWords);
    assert.ok(
      seconds > firstSeconds,
      `the story (${seconds} s) outlasts clip 1 (${firstSeconds} s)`,
    );
    // The story's video is now the newest: only its ⏩ opens the box.
    await message.locator('button.extend').waitFor();
    assert.equal(await page.locator('button.extend').count(), 1);
  }
  // ⏩ under the older video is a reaction again: the bot says privately how extending works.
  await video.locator('button[data-emoji="⏩"]').click();
  await alice
    .locator('.message.ephemeral', { hasText: `To continue "${first}", send /video extend` })
    .waitFor({ timeout: 10_000 });
  return storyWords;
}
