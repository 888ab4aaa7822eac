// Stories end to end on real parts (SQLite, the in-process jobs writing real MP4/GIF files with
// ffmpeg, the web chat adapter): /video, then /video extend twice; the refusals charge nothing;
// a restart during a story's vote; an admin closes a story.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { readVideoFrames } from '../../src/engine/video.js';
import { Harness } from './service-harness.js';
import { auditEntries } from '../helpers/audit.js';
import type { WebMessage } from '../../src/bots/web/web-adapter.js';

const harnesses: Harness[] = [];
after(async () => {
  for (const harness of harnesses) await harness.cleanup().catch(() => {});
});

async function bot(...args: ConstructorParameters<typeof Harness>): Promise<Harness> {
  const harness = await new Harness(...args).start();
  harnesses.push(harness);
  return harness;
}

function fileOf(harness: Harness, message: WebMessage, kind: 'video' | 'gif' | 'image'): string {
  const url = message.attachments.find((a) => a.kind === kind)?.url;
  const file = url && harness.adapter.filePath(url.split('/')[2] as string);
  assert.ok(file, `no ${kind} in ${message.text}`);
  return file;
}

/** Frames in a message's MP4 (read back by ffmpeg, at a small size). */
async function framesOf(harness: Harness, message: WebMessage): Promise<number> {
  const bytes = readFileSync(fileOf(harness, message, 'video'));
  return (await readVideoFrames(bytes, { width: 16, height: 16 }, 1000)).frames;
}

async function used(h: Harness, userId: string): Promise<number> {
  const status = await h.quota.status(
    { platform: 'local', workspaceId: 'local', userId },
    h.clock.now(),
  );
  return status.user.daily.used;
}

/** alice's video of `prompt`, frame 2 chosen by bob: posted and done. */
async function firstVideo(h: Harness, prompt = 'a red circle moving right'): Promise<WebMessage> {
  await h.adapter.submit('alice', `/video ${prompt} --seed 5 --steps 2`);
  const grid = await h.waitForMessage(new RegExp(`^🗳️ Round 1 for "${prompt}"`));
  await h.settle();
  await h.adapter.toggleReaction('bob', grid.id, '2️⃣');
  await h.adapter.toggleReaction('alice', grid.id, '✅');
  const video = await h.waitForMessage(new RegExp(`^🎬 "${prompt}" for alice`));
  await h.settle();
  return video;
}

test('a two-clip story with two voters: the continuations are voted on and the whole story posted', async () => {
  const h = await bot();
  const first = await firstVideo(h);
  assert.deepEqual(
    first.reactions.map((r) => r.emoji),
    ['🔁', '⏩'],
  );
  const firstFrames = await framesOf(h, first);

  await h.adapter.toggleReaction('carol', first.id, '⏩');
  const hint = await h.waitForMessage(/^To continue "a red circle moving right"/, 'carol');
  assert.equal(hint.visibleTo, 'carol');

  await h.adapter.submit('bob', '/video extend a red circle moving down --seed 40 --steps 2');
  const grid = await h.waitForMessage(
    /^🗳️ Round 1 for "a red circle moving down" \(clip 2 of "a red circle moving right"\)/,
    'bob',
  );
  await h.settle();
  assert.deepEqual(
    grid.reactions.map((r) => r.emoji),
    ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '🔄', '✅'],
  );
  assert.match(grid.text, /Seeds: 40, 41, 42, 43\./);
  assert.equal(
    readFileSync(fileOf(h, grid, 'image'))
      .subarray(0, 6)
      .toString(),
    'GIF89a',
    'the preview is an animated GIF',
  );

  await h.adapter.toggleReaction('carol', grid.id, '3️⃣');
  await h.adapter.toggleReaction('dave', grid.id, '3️⃣');
  await h.adapter.toggleReaction('alice', grid.id, '1️⃣');
  h.clock.advance(60_000);
  const story = await h.waitForMessage(/^🎬 Story "a red circle moving right", 2 clips, for bob:/);
  await h.settle();
  assert.deepEqual(story.text.split('\n').slice(1, 3), [
    '1. "a red circle moving right": seed 6, chosen by bob',
    '2. "a red circle moving down": seed 42, chosen by carol, dave',
  ]);
  assert.match(story.text, /cost: 1 video of bob's quota/);
  assert.deepEqual(
    story.attachments.map((a) => a.kind),
    ['video', 'gif'],
  );
  assert.ok(
    (await framesOf(h, story)) > firstFrames,
    'the story video holds the first clip and the new frames',
  );
  assert.deepEqual(
    story.reactions.map((r) => r.emoji),
    ['⏩'],
  );
  assert.equal(await used(h, 'alice'), 1);
  assert.equal(await used(h, 'bob'), 1, 'the clip is charged to who extended');

  // A third clip continues the story, not the first video.
  await h.adapter.submit('alice', '/video extend a red circle moving left --seed 60 --steps 2');
  const third = await h.waitForMessage(/^🗳️ Round 1 .*\(clip 3 of "a red circle moving right"\)/);
  await h.settle();
  await h.adapter.toggleReaction('alice', third.id, '1️⃣');
  await h.adapter.toggleReaction('alice', third.id, '✅');
  const longer = await h.waitForMessage(/^🎬 Story "a red circle moving right", 3 clips/);
  assert.ok((await framesOf(h, longer)) > (await framesOf(h, story)));
});

test('refusals charge nothing: no video yet, the requester rule, a closed story, the length limit', async () => {
  const h = await bot({ maxStoryClips: 2 });
  await h.adapter.submit('bob', '/video extend a blue square');
  const none = await h.waitForMessage(/no video in this channel to extend yet/, 'bob');
  assert.equal(none.visibleTo, 'bob');

  await firstVideo(h);
  await h.adapter.submit('admin', '/settings set extend requester');
  await h.waitForMessage(/^Done: /, 'admin');
  await h.adapter.submit('bob', '/video extend a red circle moving down');
  await h.waitForMessage(/only the story's requester \(alice\) may extend/, 'bob');
  assert.equal(await used(h, 'bob'), 0);

  await h.adapter.submit('bob', '/video extend close');
  await h.waitForMessage(/only workspace admins can close a story/, 'bob');
  await h.adapter.submit('admin', '/video extend close');
  await h.waitForMessage(/^Done: the story "a red circle moving right" is closed/, 'admin');
  await h.waitForMessage(/^The story "a red circle moving right" is closed by admin/);
  await h.adapter.submit('alice', '/video extend a red circle moving down');
  await h.waitForMessage(/was closed by admin; start a new one/);
  assert.equal(await used(h, 'alice'), 1, 'only the first video');
  assert.deepEqual(
    (await auditEntries(h.bot.db))
      .filter((e) => e.action === 'story.close')
      .map((e) => [e.actorId, e.allowed]),
    [
      ['bob', false],
      ['admin', true],
    ],
  );

  // A new video starts a new story; at the limit (2 clips here) it is refused.
  await h.adapter.submit('admin', '/settings set extend anyone');
  await h.waitForMessage(/extend set to anyone/, 'admin');
  h.clock.advance(1_000);
  await firstVideo(h, 'a blue square moving right');
  h.clock.advance(1_000);
  await h.adapter.submit('alice', '/video extend a blue square moving down --steps 2');
  const grid = await h.waitForMessage(/^🗳️ Round 1 .*\(clip 2 of "a blue square moving right"\)/);
  await h.settle();
  await h.adapter.toggleReaction('alice', grid.id, '2️⃣');
  await h.adapter.toggleReaction('alice', grid.id, '✅');
  await h.waitForMessage(/^🎬 Story "a blue square moving right", 2 clips/);
  await h.settle();
  await h.adapter.submit('alice', '/video extend a blue square moving left');
  await h.waitForMessage(
    /"a blue square moving right" has 2 clips, the most a story may have here/,
  );
  assert.equal(await used(h, 'alice'), 3, 'two videos and one clip');

  // A video whose file is gone (expired, deleted) cannot be continued.
  h.clock.advance(1_000);
  const lost = await firstVideo(h, 'a green triangle moving up');
  rmSync(fileOf(h, lost, 'video'));
  await h.adapter.submit('bob', '/video extend a green triangle moving down');
  await h.waitForMessage(/\("a green triangle moving up"\) is no longer stored/, 'bob');
  assert.equal(await used(h, 'bob'), 0);
});

test('a restart during a story: the vote reloads, votes before and after count, the story is posted once', async () => {
  const h = await bot();
  await firstVideo(h);
  await h.adapter.submit('alice', '/video extend a red circle moving down --seed 70 --steps 2');
  const grid = await h.waitForMessage(/^🗳️ Round 1 .*\(clip 2 of "a red circle moving right"\)/);
  await h.settle();
  await h.adapter.toggleReaction('bob', grid.id, '4️⃣');
  // One clip at a time: a second extend while this one's vote is open is refused.
  await h.adapter.submit('carol', '/video extend a red circle moving left');
  await h.waitForMessage(
    /clip 2 of the story "a red circle moving right" is under way \("a red circle moving down"\)/,
    'carol',
  );
  assert.equal(await used(h, 'carol'), 0);
  await h.stop();
  h.clock.advance(20_000);
  await h.start();
  await h.adapter.toggleReaction('carol', grid.id, '4️⃣');
  await h.adapter.toggleReaction('dave', grid.id, '1️⃣');
  h.clock.advance(40_000);
  const story = await h.waitForMessage(/^🎬 Story "a red circle moving right", 2 clips/);
  await h.settle();
  assert.match(story.text, /2\. "a red circle moving down": seed 73, chosen by bob, carol/);
  assert.equal(h.messages().filter((m) => /^🎬 Story/.test(m.text)).length, 1);
});
