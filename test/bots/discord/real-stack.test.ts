// Discord on the real stack, added the way `npm start` adds it: `chatPlatformAdapters` builds
// the Discord adapter from DISCORD_TOKEN + DISCORD_APPLICATION_ID (pointed at the fake
// Discord) and `startStack` runs it next to the playground on Prisma (SQLite in a temporary
// file), BullMQ (own prefix on the shared Redis) and the ONNX engine with the tiny test model.
// A full /video round: two voters, the requester closes the vote, the MP4 is uploaded.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import { probeVideo } from '../../engine/helpers/probe.js';
import { waitFor } from '../../wiring/stack-harness.js';
import { DiscordOnStack } from './discord-on-stack.js';
import type { FakeMessage, FakeUser } from './fake/fake-discord.js';

const discord = new DiscordOnStack();

before(async () => {
  await discord.start();
});

after(async () => {
  await discord.cleanup();
});

const message = (pattern: RegExp, accept?: (m: FakeMessage) => boolean) =>
  discord.message(pattern, accept);

const reactedBy = (round: FakeMessage, user: FakeUser, emoji: string) =>
  waitFor(`${user.username}'s ${emoji}`, () => round.reactions.get(emoji)?.includes(user.id));

test(
  '/video on Discord on the real stack: two voters, the MP4 uploaded',
  { timeout: 120_000 },
  async () => {
    const { fake, harness } = discord;
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => fake.world.addUser(name));
    const prompt = 'a big red circle moving right';
    fake.command(alice!, 'video', { values: { prompt, seed: 41, steps: 2 } });

    const round = await message(/Round 1 for "a big red circle/, (m) => m.files.length === 1);
    assert.match(round.files[0]!.filename, /grid\.png$/);
    await waitFor('the bot reactions', () =>
      ROUND_REACTIONS.every((emoji) => round.reactions.get(emoji)?.includes(fake.world.bot.id)),
    );
    fake.react(bob!, round, '3️⃣');
    fake.react(carol!, round, '3️⃣');
    await reactedBy(round, carol!, '3️⃣');
    const db = harness.stack.db;
    await waitFor('both votes stored', async () => (await db.vote.count()) === 2 || undefined);
    fake.react(alice!, round, '✅');

    const result = await message(/^🎬/, (m) => m.files.length > 0);
    assert.match(result.content, /seed 43, frame 3 of round 1/);
    assert.match(result.content, /1️⃣ 0 · 2️⃣ 0 · 3️⃣ 2 · 4️⃣ 0/);
    assert.deepEqual(
      result.files.map((file) => file.filename),
      ['video.mp4'],
    );
    const generation = await waitFor('the generation marked succeeded', async () => {
      const row = await db.generation.findFirst({ where: { prompt } });
      return row?.status === 'succeeded' ? row : undefined;
    });
    assert.equal(result.files[0]!.size, statSync(generation.videoPath!).size, 'the whole MP4');
    assert.equal(probeVideo(generation.videoPath!).frames, 16);
    const jobs = await db.jobRecord.findMany({ where: { generationId: generation.id } });
    assert.deepEqual(jobs.map((job) => job.kind).sort(), ['animation', 'candidates']);
  },
);
