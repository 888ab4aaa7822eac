// Videos over the server's upload limit: re-encoded smaller when the adapter has a shrinker,
// else announced with a link (the GIF preview posted instead when it fits); with neither, the
// generation fails and refunds. Never silent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { FFMPEG_PATH } from '../../../src/engine/video.js';
import { ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import { ffmpegShrinker } from '../../../src/bots/discord/index.js';
import { planUpload } from '../../../src/bots/discord/upload-limit.js';
import type { FlowConfig } from '../../../src/core/flow/index.js';
import { DiscordHarness, eventually, type AdapterExtras } from './harness.js';

// Bytes, sent by "Discord" with the command (attachment_size_limit). The test videos are tiny
// (~2.8 KB, mostly container), so the limit sits between them and the smallest re-encoding.
const LIMIT = 2400;
const harnesses: DiscordHarness[] = [];

after(async () => {
  for (const harness of harnesses) await harness.cleanup();
});

/** One /video round by alice with her vote for 2️⃣, closed; the animation is on its way. */
async function closedRound(extras: AdapterExtras, flow: Partial<FlowConfig> = {}) {
  const h = await new DiscordHarness(extras, flow).start();
  harnesses.push(h);
  const alice = h.fake.world.addUser('alice');
  const interaction = h.fake.command(alice, 'video', {
    values: { prompt: 'a yellow circle', seed: 21, steps: 2 },
    attachmentSizeLimit: LIMIT,
  });
  const round = await h.waitForMessage(/Round 1 for/);
  await h.waitForBotReactions(round, ROUND_REACTIONS);
  h.fake.react(alice, round, '2️⃣');
  await eventually(async () => (await h.voteOf(round, alice.id)) === 2, 'the vote');
  await h.settle();
  h.clock.advance(60_000);
  return { h, alice, interaction };
}

/** One /video round with one vote; returns the result message and the MP4 made. */
async function makeVideo(extras: AdapterExtras) {
  const { h } = await closedRound(extras);
  const result = await h.waitForMessage(/🎬/);
  const { items } = await h.store.history({
    platform: 'discord',
    workspaceId: h.fake.world.guildId,
    page: 1,
    pageSize: 1,
  });
  const mp4 = items[0]!.videoPath!;
  assert.ok(statSync(mp4).size > LIMIT, `the test needs an MP4 over ${LIMIT} bytes`);
  return { result, mp4 };
}

test('an MP4 over the limit is re-encoded smaller and posted', async () => {
  const { result } = await makeVideo({ shrinkVideo: ffmpegShrinker(FFMPEG_PATH) });
  const [video] = result.files;
  assert.equal(video?.filename, 'video.mp4');
  assert.ok(video.size <= LIMIT, `uploaded ${video.size} bytes, limit ${LIMIT}`);
  assert.equal(result.files.length, 1);
  assert.match(
    result.content,
    /re-encoded from .* KiB to .* KiB to fit this server's upload limit/,
  );
});

test('without a shrinker, the message says the video is too large and links to it', async () => {
  const { result, mp4 } = await makeVideo({
    artifactUrl: (file) =>
      `https://videos.example/${path.basename(path.dirname(file))}/${path.basename(file)}`,
  });
  assert.deepEqual(result.files, [], 'nothing over the limit is uploaded');
  const link = `https://videos.example/${path.basename(path.dirname(mp4))}/video.mp4`;
  assert.ok(
    result.content.includes(
      `The video (${(statSync(mp4).size / 1024).toFixed(1)} KiB) is over this server's upload limit of 2.3 KiB: ${link}`,
    ),
    result.content,
  );
  assert.match(
    result.content,
    /The GIF preview \(.* KiB\) is over the limit too: https:\/\/videos\.example\/.*\/video\.gif/,
  );
});

test('without a shrinker or a link, a video over the limit is not claimed: failed, refunded', async () => {
  const { h, alice, interaction } = await closedRound({}, { deliveryRetryMs: 1 });
  const status = h.fake.world.messages.get(interaction.originalMessageId!)!;
  await eventually(async () => status.content.startsWith('❌'), 'the status saying it failed');
  assert.equal(
    status.content,
    '❌ "a yellow circle" failed: the video could not be posted (the video is larger than this server accepts). Your quota was refunded.',
  );
  assert.ok(!h.fake.messages().some((m) => m.content.startsWith('🎬')), 'no result message');
  await h.settle();
  const quota = await h.quota.status(
    { platform: 'discord', workspaceId: h.fake.world.guildId, userId: alice.id },
    h.clock.now(),
  );
  assert.equal(quota.user.daily.used, 0, 'refunded, not committed');
});

test('the GIF preview is posted when the video does not fit but the GIF does', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-upload-'));
  try {
    const mp4 = path.join(dir, 'video.mp4');
    const gif = path.join(dir, 'video.gif');
    writeFileSync(mp4, Buffer.alloc(5000));
    writeFileSync(gif, Buffer.alloc(1000));
    const attachments = [
      { path: mp4, kind: 'video' as const },
      { path: gif, kind: 'gif' as const },
    ];
    const plan = await planUpload(attachments, { limitBytes: 2000 });
    assert.deepEqual(plan.files, [{ path: gif, name: 'video.gif' }]);
    assert.match(
      plan.notes.join('\n'),
      /The video \(4\.9 KiB\) is over .*\(kept on the bot's server as video\.mp4/,
    );
    assert.match(plan.notes.join('\n'), /GIF preview/);
    const fits = await planUpload(attachments, { limitBytes: 10_000 });
    assert.deepEqual(fits.files, [{ path: mp4, name: 'video.mp4' }], 'a posted video needs no GIF');
    assert.deepEqual(fits.notes, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
