// The bot service end to end on real parts (SQLite, PNG/MP4/GIF files via sharp and ffmpeg,
// the web chat adapter); only the clock is moved by hand.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { after, test } from 'node:test';
import { Harness } from './service-harness.js';
import { auditEntries } from '../helpers/audit.js';
import { waitFor } from '../helpers/manual-clock.js';

const harnesses: Harness[] = [];
after(async () => {
  for (const harness of harnesses) await harness.cleanup().catch(() => {});
});

async function bot(...args: ConstructorParameters<typeof Harness>): Promise<Harness> {
  const harness = await new Harness(...args).start();
  harnesses.push(harness);
  return harness;
}

const PNG = '89504e470d0a1a0a';

function fileOf(harness: Harness, url: string): string {
  const id = url.split('/')[2] as string;
  const file = harness.adapter.filePath(id);
  assert.ok(file, `no file behind ${url}`);
  return file;
}

test('a full video: queued, grid with reactions, two voters, timer close, MP4 + GIF reply', async () => {
  const h = await bot();
  const request = await h.adapter.submit(
    'alice',
    '/video a red circle moving left --seed 7 --steps 3',
  );
  const grid = await h.waitForMessage(/Round 1/);
  await h.settle();
  assert.deepEqual(
    grid.reactions.map((r) => r.emoji),
    ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '🔄', '🔀', '✅'],
  );
  assert.equal(grid.replyTo, request.id);
  const gridFile = fileOf(h, grid.attachments[0]?.url as string);
  assert.equal(readFileSync(gridFile).subarray(0, 8).toString('hex'), PNG);

  await h.adapter.toggleReaction('bob', grid.id, '3️⃣');
  await h.adapter.toggleReaction('carol', grid.id, '3️⃣');
  await h.adapter.toggleReaction('alice', grid.id, '1️⃣');
  assert.deepEqual(
    grid.reactions.slice(0, 4).map((r) => r.users.length),
    [1, 0, 2, 0],
  );
  h.clock.advance(60_000);
  const result = await h.waitForMessage(/^🎬/);
  assert.equal(
    result.text,
    `🎬 "a red circle moving left" for alice: seed 9, frame 3 of round 1; votes: 1️⃣ 1 · 2️⃣ 0 · 3️⃣ 2 · 4️⃣ 0 · 🔄 0; cost: 1 video of alice's quota. ⏩ to continue it.`,
  );
  assert.equal(result.replyTo, request.id);
  assert.deepEqual(
    result.attachments.map((a) => a.kind),
    ['video', 'gif'],
  );
  const mp4 = readFileSync(fileOf(h, result.attachments[0]?.url as string));
  assert.equal(mp4.subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4 file');
  const gif = readFileSync(fileOf(h, result.attachments[1]?.url as string));
  assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
  await h.settle();
  const status = h
    .messages()
    .find((m) => m.author.isBot && m.replyTo === request.id && m.text.startsWith('✅'));
  assert.ok(
    status,
    `the status message says done: ${JSON.stringify(h.messages().map((m) => m.text))}`,
  );
  const quota = await h.quota.status(
    { platform: 'local', workspaceId: 'local', userId: 'alice' },
    h.clock.now(),
  );
  assert.equal(quota.user.daily.used, 1, 'the reservation is committed');
});

test('restart: an open round is reloaded, votes from before and after count, the timer still closes it', async () => {
  const h = await bot();
  await h.adapter.submit('alice', '/video a blue square --seed 100 --steps 2');
  const grid = await h.waitForMessage(/Round 1/);
  await h.settle();
  await h.adapter.toggleReaction('bob', grid.id, '4️⃣');
  await h.stop();

  h.clock.advance(30_000); // the bot is down for half the window
  await h.start();
  await h.adapter.toggleReaction('carol', grid.id, '2️⃣');
  await h.adapter.toggleReaction('dave', grid.id, '2️⃣');
  h.clock.advance(29_999);
  await h.settle();
  assert.ok(
    !h.messages().some((m) => /closed/.test(m.text)),
    'not closed before the stored deadline',
  );
  h.clock.advance(1);
  await h.waitForMessage(/frame 2 wins \(1️⃣ 0 · 2️⃣ 2 · 3️⃣ 0 · 4️⃣ 1 · 🔄 0\)/);
  const result = await h.waitForMessage(/^🎬/);
  assert.match(result.text, /seed 101, frame 2 of round 1/);
});

test('restart after the deadline passed: the round closes at once on start-up', async () => {
  const h = await bot();
  await h.adapter.submit('alice', '/video a green diamond --seed 5 --steps 2');
  const grid = await h.waitForMessage(/Round 1/);
  await h.settle();
  await h.adapter.toggleReaction('bob', grid.id, '2️⃣');
  await h.stop();
  h.clock.advance(120_000);
  await h.start();
  await h.waitForMessage(/frame 2 wins/);
});

test('🔄 from the requester and a ✅ confirm: round 2 has new seeds and closes early', async () => {
  const h = await bot();
  await h.adapter.submit('alice', '/video a pink cross --seed 20 --steps 2');
  const round1 = await h.waitForMessage(/Round 1/);
  await h.settle();
  await h.adapter.toggleReaction('alice', round1.id, '🔄');
  const round2 = await h.waitForMessage(/Round 2/);
  await h.settle();
  await h.adapter.toggleReaction('bob', round1.id, '1️⃣'); // the old round no longer counts
  await h.adapter.toggleReaction('bob', round2.id, '4️⃣');
  await h.adapter.toggleReaction('alice', round2.id, '✅');
  const result = await h.waitForMessage(/^🎬/);
  assert.match(result.text, /seed 27, frame 4 of round 2; votes: 1️⃣ 0 · 2️⃣ 0 · 3️⃣ 0 · 4️⃣ 1/);
});

test('a vote change takes the old reaction back in the channel', async () => {
  const h = await bot();
  await h.adapter.submit('alice', '/video a red circle --steps 1');
  const grid = await h.waitForMessage(/Round 1/);
  await h.settle();
  await h.adapter.toggleReaction('bob', grid.id, '1️⃣');
  await h.adapter.toggleReaction('bob', grid.id, '2️⃣');
  await h.settle();
  const users = (emoji: string) => grid.reactions.find((r) => r.emoji === emoji)?.users;
  assert.deepEqual([users('1️⃣'), users('2️⃣')], [[], ['bob']]);
});

test('a failed job refunds the quota and says why', async () => {
  const h = await bot(
    {},
    { failWith: (job) => (job.kind === 'animation' ? 'the animation model crashed' : undefined) },
  );
  await h.adapter.submit('alice', '/video a yellow triangle --steps 1');
  const grid = await h.waitForMessage(/Round 1/);
  await h.settle();
  await h.adapter.toggleReaction('alice', grid.id, '1️⃣');
  await h.adapter.toggleReaction('alice', grid.id, '✅');
  await h.waitForMessage(
    /❌ "a yellow triangle" failed: the animation model crashed. Your quota was refunded./,
  );
  const quota = await h.quota.status(
    { platform: 'local', workspaceId: 'local', userId: 'alice' },
    h.clock.now(),
  );
  assert.equal(quota.user.daily.used, 0);
});

test('admin commands: a non-admin is refused and audited; an admin change applies and is audited', async () => {
  const h = await bot();
  await h.adapter.submit('bob', '/quota set @carol daily 1');
  const refusal = await h.waitForMessage(/only workspace admins/, 'bob');
  assert.equal(refusal.visibleTo, 'bob');
  assert.ok(!h.messages('carol').includes(refusal), 'only bob sees it');

  await h.adapter.submit('admin', '/quota set @carol daily 1');
  await h.waitForMessage(/Done: daily limit of @carol set to 1/, 'admin');
  await h.adapter.submit('bob', '/queue');
  await h.waitForMessage(/only workspace admins can use \/queue/, 'bob');
  await h.adapter.submit('admin', '/queue');
  await h.waitForMessage(/Queue: 0 waiting, 0 running, 0 failed; 0 votes open/, 'admin');
  assert.deepEqual(
    (await auditEntries(h.bot.db)).map((e) => [e.actorId, e.action, e.target, e.allowed]),
    [
      ['bob', 'quota.set', 'user:carol', false],
      ['admin', 'quota.set', 'user:carol', true],
      ['bob', 'queue.view', 'queue', false],
      ['admin', 'queue.view', 'queue', true],
    ],
  );

  await h.adapter.submit('carol', '/video a red circle --steps 1');
  await h.waitForMessage(/Round 1/, 'carol');
  await h.adapter.submit('carol', '/video a blue circle --steps 1');
  await h.waitForMessage(
    /Your daily limit of 1 video is used up. It resets at 2026-11-27 00:00 UTC./,
    'carol',
  );
  await h.adapter.submit('admin', '/quota grant @carol 1');
  await h.waitForMessage(/1 extra video granted to @carol/, 'admin');
  await h.adapter.submit('carol', '/video a blue circle --steps 1');
  await waitFor(
    () => h.messages('carol').filter((m) => /Round 1/.test(m.text)).length === 2,
    'a second grid',
  );
  await h.adapter.submit('carol', '/quota');
  await h.waitForMessage(/you, today: 2\/1 used[\s\S]*extra videos granted: 1/, 'carol');
  await h.adapter.submit('carol', '/info');
  await h.waitForMessage(/quota: today 0 videos left .*; this month 49 videos left/, 'carol');
});

test('/info: your place in the queue with an ETA, quota left, the open rounds here; to you alone', async () => {
  const h = await bot();
  await h.adapter.submit('alice', '/video a red circle --seed 3 --steps 1');
  await h.waitForMessage(/Round 1/);
  await h.settle();
  h.jobs.stop(); // the jobs after this one stay in the queue: a finished job gives the ETA
  await h.adapter.submit('alice', '/video a blue circle --steps 1');
  await h.adapter.submit('bob', '/video a green circle --steps 1');
  await h.settle();

  await h.adapter.submit('bob', '/info');
  const info = await h.waitForMessage(/^Info for bob:/, 'bob');
  assert.equal(info.visibleTo, 'bob');
  assert.ok(!h.messages('alice').includes(info), 'only bob sees it');
  const lines = info.text.split('\n');
  assert.match(
    lines[1] ?? '',
    /^• "a green circle": queued, position 2 in the queue, done in about \d+ s$/,
  );
  assert.ok(!info.text.includes('a blue circle": queued'), "alice's job is not bob's");
  assert.match(
    info.text,
    /• quota: today 4 videos left \(resets 2026-11-27 00:00 UTC\); this month 49 videos left \(resets 2026-12-01 00:00 UTC\)/,
  );
  assert.match(info.text, /open rounds here \(3\):/);
  assert.match(info.text, /– "a red circle" by alice: round 1, voting closes 2026-11-26 12:01 UTC/);
  assert.match(info.text, /– "a green circle" by bob: round 1, queued/);

  await h.adapter.submit('alice', '/info');
  const mine = await h.waitForMessage(/^Info for alice:/);
  assert.match(
    mine.text,
    /• "a blue circle": queued, position 1 in the queue, done in about \d+ s/,
  );
  assert.match(mine.text, /quota: today 3 videos left/);
  assert.ok(!h.messages('bob').includes(mine), 'only alice sees hers');
});

test('bad input, /history and /help reply only to the user who asked', async () => {
  const h = await bot();
  await h.adapter.submit('alice', '/video a circle --steps 500');
  const error = await h.waitForMessage(/steps must be a whole number from 1 to 50 \(got 500\)/);
  assert.equal(error.visibleTo, 'alice');
  await h.adapter.submit('alice', '/history');
  await h.waitForMessage(/No videos yet \(yours\)/);
  await h.adapter.submit('alice', '/video a red circle --seed 3 --steps 1');
  await h.waitForMessage(/Round 1/);
  await h.adapter.submit('bob', '/history server');
  await h.waitForMessage(
    /Videos \(everyone here\), page 1 of 1:\n• 2026-11-26 12:00 UTC alice: "a red circle" \(seed 3, voting\)/,
    'bob',
  );
  await h.adapter.submit('bob', '/history server 2');
  await h.waitForMessage(/Page 2 is empty: there is 1 page/, 'bob');
  await h.adapter.submit('bob', '/help');
  const help = await h.waitForMessage(/^Commands:/, 'bob');
  assert.match(
    help.text,
    /\n\/info: your queued videos \(position, ETA\), quota left, open votes here\n/,
  );
  // /help words answers from the service's request limits (these have no vocabulary).
  await h.adapter.submit('bob', '/help words');
  await h.waitForMessage(/^This model takes any words: describe the video you want\.$/, 'bob');
});

test('an uploaded image skips the vote and is animated; a file that is not an image is refused', async () => {
  const h = await bot();
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#2850e6' } })
    .png()
    .toBuffer();
  const request = await h.adapter.submit('alice', '/video a blue square --seed 4 --steps 1', {
    name: 'mine.png',
    contentType: 'image/png',
    data: png,
  });
  assert.equal(request.attachments[0]?.kind, 'image', 'the upload shows in the channel');
  const result = await h.waitForMessage(/^🎬/);
  assert.match(result.text, /seed 4, the uploaded image; cost: 1 video of alice.s quota\./);
  assert.ok(!h.messages().some((m) => /Round 1/.test(m.text)), 'no vote');

  // The playground checks uploads before keeping them: the sender is told at once.
  await assert.rejects(
    h.adapter.submit('bob', '/video a red circle', {
      name: 'notes.png',
      contentType: 'image/png',
      data: Buffer.from('just some text, not a picture'),
    }),
    /"notes.png" is not an image we can use; allowed: PNG, JPEG, WebP/,
  );
});

test('a generation that cannot be saved gives its quota back and says something went wrong', async () => {
  const h = await bot();
  const save = h.store.saveGeneration.bind(h.store);
  h.store.saveGeneration = async () => {
    throw new Error('disk full');
  };
  await h.adapter.submit('alice', '/video a red circle --steps 1');
  await h.waitForMessage(/something went wrong on our side/);
  const quota = await h.quota.status(
    { platform: 'local', workspaceId: 'local', userId: 'alice' },
    h.clock.now(),
  );
  assert.equal(quota.user.daily.used, 0);
  h.store.saveGeneration = save;
});

test("reactions from bots (the adapter's own included) never count", async () => {
  const h = await bot();
  await h.adapter.submit('alice', '/video a red circle --steps 1');
  const grid = await h.waitForMessage(/Round 1/);
  await h.settle();
  const firstframe = { id: 'firstframe', name: 'firstframe', isBot: true };
  for (const emoji of ['3️⃣', '🔄', '✅']) {
    await h.service.onReaction(h.adapter, {
      workspaceId: 'local',
      channelId: 'playground',
      messageId: grid.id,
      user: firstframe,
      emoji,
      added: true,
    });
  }
  h.clock.advance(60_000);
  await h.waitForMessage(/frame 1 wins, nobody voted so frame 1 is used/);
});

test('a queue that refuses the job fails the generation with a refund', async () => {
  const h = await bot();
  h.jobs.enqueue = async () => {
    throw new Error('Redis is down');
  };
  await h.adapter.submit('alice', '/video a red circle --steps 1');
  await h.waitForMessage(
    /❌ "a red circle" failed: the job queue could not take the job. Your quota was refunded./,
  );
  const quota = await h.quota.status(
    { platform: 'local', workspaceId: 'local', userId: 'alice' },
    h.clock.now(),
  );
  assert.equal(quota.user.daily.used, 0);
});

test('a paid 🔄 over the limit: a note to the requester only, and the best frame is animated', async () => {
  const h = await bot({ regenerateCostsQuota: true });
  await h.adapter.submit('admin', '/quota set @alice daily 1');
  await h.waitForMessage(/^Done: /, 'admin');
  await h.adapter.submit('alice', '/video a red circle --steps 1');
  const grid = await h.waitForMessage(/Round 1/);
  await h.settle();
  await h.adapter.toggleReaction('bob', grid.id, '2️⃣');
  await h.adapter.toggleReaction('alice', grid.id, '🔄');
  const note = await h.waitForMessage(
    /^No new frames: alice's daily limit of 1 video is used up until 2026-11-27 00:00 UTC\./,
  );
  assert.equal(note.visibleTo, 'alice');
  assert.ok(!h.messages('bob').some((m) => m.id === note.id), 'bob does not see it');
  assert.match(
    h.messages('bob').find((m) => m.id === grid.id)?.text ?? '',
    /frame 2 wins, no quota left for new frames/,
  );
  await h.waitForMessage(/^🎬 .*frame 2 of round 1/, 'bob');
  await h.settle();
});

test('/video vary <n>: the requester gets variations of that frame; others are told who may', async () => {
  const h = await bot();
  await h.adapter.submit('carol', '/video vary 2');
  const none = await h.waitForMessage(/You have no vote open here/, 'carol');
  assert.equal(none.visibleTo, 'carol');

  await h.adapter.submit('alice', '/video a red circle moving left --seed 30 --steps 2');
  await h.waitForMessage(/^🗳️ Round 1/);
  await h.settle();
  await h.adapter.submit('bob', '/video vary 2');
  const refused = await h.waitForMessage(/Only the requester \(alice\) can pick the frame/, 'bob');
  assert.equal(refused.visibleTo, 'bob');

  await h.adapter.submit('alice', '/video vary 4');
  const asked = await h.waitForMessage(/Four variations of frame 4 are on their way/);
  assert.equal(asked.visibleTo, 'alice');
  await h.waitForMessage(
    /Round 1 for "a red circle moving left" closed: alice asked for variations of frame 4/,
  );
  const round2 = await h.waitForMessage(/^🗳️ Round 2 .*\(variations of frame 4 of round 1\)/);
  assert.match(round2.text, /Seeds: 34, 35, 36, 37\./);
});
