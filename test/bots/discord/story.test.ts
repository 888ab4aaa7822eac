// A story on Discord on the real stack (the adapter from DISCORD_TOKEN against the fake Discord,
// Prisma on SQLite, BullMQ, the ONNX engine with the tiny model): a /video and its vote, then
// /extend with what happens next; the story round's preview GIF of four continuations gets
// 1️⃣-4️⃣ 🔄 ✅ (no 🔀), two members vote, and the whole story is posted as one MP4 listing both
// clips with their voters. The second test restarts the bot while the story's round is open.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  EXTEND_EMOJI,
  RETAKE_EMOJI,
  STORY_ROUND_REACTIONS,
  VARY_EMOJI,
} from '../../../src/core/flow/emoji.js';
import { probeVideo } from '../../engine/helpers/probe.js';
import { waitFor } from '../../wiring/stack-harness.js';
import { DiscordOnStack } from './discord-on-stack.js';
import type { FakeMessage, FakeUser } from './fake/fake-discord.js';

const FIRST = 'a big red circle moving right';
const NEXT = 'a red circle moving down';

const discord = new DiscordOnStack();

before(async () => {
  await discord.start();
});

after(async () => {
  await discord.cleanup();
});

const botHas = (message: FakeMessage, emoji: string) =>
  message.reactions.get(emoji)?.includes(discord.fake.world.bot.id) === true;

async function votesStored(count: number): Promise<void> {
  const db = discord.harness.stack.db;
  await waitFor(
    `${count} votes stored`,
    async () => (await db.vote.count()) === count || undefined,
  );
}

/** A finished generation's row (the database of the stack now running). */
function succeeded(prompt: string) {
  return waitFor(`"${prompt}" marked succeeded`, async () => {
    const row = await discord.harness.stack.db.generation.findFirst({ where: { prompt } });
    return row?.status === 'succeeded' ? row : undefined;
  });
}

/** Alice's /video, voted 3️⃣ by `voters` and closed by her ✅: its posted message. */
async function firstVideo(alice: FakeUser, voters: FakeUser[]): Promise<FakeMessage> {
  const { fake } = discord;
  fake.command(alice, 'video', { values: { prompt: FIRST, seed: 41, steps: 2 } });
  const round = await discord.message(
    /^🗳️ Round 1 for "a big red circle/,
    (m) => m.files.length === 1,
  );
  await waitFor('the bot reactions', () => botHas(round, '✅'));
  for (const voter of voters) fake.react(voter, round, '3️⃣');
  await votesStored(voters.length);
  fake.react(alice, round, '✅');
  const video = await discord.message(/^🎬 "a big red circle/, (m) => m.files.length > 0);
  await waitFor(
    '⏩ and 🔁 under the video',
    () => botHas(video, EXTEND_EMOJI) && botHas(video, RETAKE_EMOJI),
  );
  return video;
}

/** The story round's message once the bot has reacted under it, checked as a story's. */
async function storyRound(): Promise<FakeMessage> {
  const round = await discord.message(
    new RegExp(`^🗳️ Round 1 for "${NEXT}" \\(clip 2 of "${FIRST}"\\)`),
    (m) => m.files.length === 1,
  );
  assert.match(round.files[0]!.filename, /\.gif$/, 'the preview of four continuations is a GIF');
  assert.equal(round.files[0]!.contentType, 'image/gif');
  await waitFor('the story round reactions', () =>
    STORY_ROUND_REACTIONS.every((emoji) => botHas(round, emoji)),
  );
  assert.equal(round.reactions.get(VARY_EMOJI), undefined, 'no 🔀 under continuations');
  assert.deepEqual([...round.reactions.keys()], STORY_ROUND_REACTIONS);
  return round;
}

/** The story's message, checked: both clips with caption, seed and voters; one MP4. */
async function storyVideo(voters: string): Promise<FakeMessage> {
  const story = await discord.message(/^🎬 Story /, (m) => m.files.length > 0);
  const lines = story.content.split('\n');
  assert.equal(lines[0], `🎬 Story "${FIRST}", 2 clips, for alice:`);
  assert.equal(lines[1], `1. "${FIRST}": seed 43, chosen by ${voters}`);
  assert.equal(lines[2], `2. "${NEXT}": seed 8, chosen by ${voters}`);
  assert.match(
    lines[3] ?? '',
    /^Clip 2: continuation 2 of round 1; cost: 1 video of alice's quota\. ⏩/,
  );
  // The MP4 plays on Discord itself; the GIF is only posted when the MP4 cannot be.
  assert.deepEqual(
    story.files.map((file) => file.contentType),
    ['video/mp4'],
  );
  return story;
}

test(
  'a two-clip story on Discord: /extend, the preview GIF voted by two, the whole story posted',
  { timeout: 240_000 },
  async () => {
    const { fake } = discord;
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => fake.world.addUser(name));
    const video = await firstVideo(alice!, [bob!, carol!]);

    // ⏩ by a member: how to go on, addressed to them (a reaction carries no caption).
    fake.react(bob!, video, EXTEND_EMOJI);
    const hint = await discord.message(
      /To continue "a big red circle moving right", send \/video extend/,
    );
    assert.ok(hint.content.startsWith(`<@${bob!.id}> `), 'named without a ping');

    fake.command(alice!, 'extend', { values: { caption: NEXT, seed: 7, steps: 2 } });
    const round = await storyRound();
    assert.match(round.content, /Seeds: 7, 8, 9, 10\./);
    fake.react(bob!, round, '2️⃣');
    fake.react(carol!, round, '2️⃣');
    await votesStored(4);
    fake.react(alice!, round, '✅');

    const story = await storyVideo('bob, carol');
    const [first, next] = [await succeeded(FIRST), await succeeded(NEXT)];
    assert.equal(story.files[0]!.size, statSync(next.videoPath!).size, 'the whole story MP4');
    const [firstFrames, storyFrames] = [first, next].map(
      (row) => probeVideo(row.videoPath!).frames,
    );
    assert.ok(
      storyFrames! > firstFrames!,
      `the story (${storyFrames} frames) is longer than its first clip (${firstFrames})`,
    );
    await waitFor('⏩ under the story', () => botHas(story, EXTEND_EMOJI));
    assert.equal(story.reactions.get(RETAKE_EMOJI), undefined, 'a story is not re-taken');
    const db = discord.harness.stack.db;
    const jobs = await db.jobRecord.findMany({ where: { generationId: next.id } });
    assert.deepEqual(
      jobs.map((job) => job.kind),
      ['candidates'],
      'the winner needs no animation',
    );
    const charged = await db.quotaLedgerEntry.findMany({ where: { key: next.id } });
    assert.deepEqual(
      charged.map((entry) => entry.state),
      ['committed'],
      'the clip cost alice 1',
    );
  },
);
