// 🔁 re-take on Discord on the real stack (the adapter from DISCORD_TOKEN against the fake
// Discord, Prisma on SQLite, BullMQ, the ONNX engine with the tiny model): the bot reacts 🔁
// under the posted video; Bob's 🔁 (taken back and given again) asks for take 2, and the
// requester's 🔁 starts it at once on her quota: one job, its own message with the MP4.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../../wiring/stack-harness.js';
import { assertOneTakeJob, firstTake } from '../../wiring/take-checks.js';
import { DiscordOnStack } from './discord-on-stack.js';

const discord = new DiscordOnStack();

before(async () => {
  await discord.start();
});

after(async () => {
  await discord.cleanup();
});

test(
  '🔁 on Discord: asked for by another, started at once by the requester',
  { timeout: 120_000 },
  async () => {
    const { fake, harness } = discord;
    const message = discord.message.bind(discord);
    const [alice, bob] = ['alice', 'bob'].map((name) => fake.world.addUser(name));
    const prompt = 'a big red circle moving right';
    fake.command(alice!, 'video', { values: { prompt, seed: 41, steps: 2 } });
    const round = await message(/Round 1 for "a big red circle/, (m) => m.files.length === 1);
    await waitFor('the bot reactions', () =>
      round.reactions.get('✅')?.includes(fake.world.bot.id),
    );
    fake.react(bob!, round, '2️⃣');
    await waitFor(
      'the vote stored',
      async () => (await harness.stack.db.vote.count()) === 1 || undefined,
    );
    fake.react(alice!, round, '✅');
    const video = await message(/^🎬/, (m) => m.files.length > 0);
    await waitFor('the bot 🔁 under the video', () =>
      video.reactions.get('🔁')?.includes(fake.world.bot.id),
    );

    fake.react(bob!, video, '🔁');
    await message(/asked for by bob: take 2/);
    fake.react(bob!, video, '🔁', false);
    await message(/asked for by nobody any more: take 2/);
    fake.react(bob!, video, '🔁');
    await message(/asked for by bob: take 2/);
    fake.react(alice!, video, '🔁');
    const take = await message(/^🎬 .*\(take 2\)/, (m) => m.files.length > 0);
    assert.match(
      take.content,
      /for alice: seed 43, frame 2 of round 1; .*cost: 1 video of alice's quota\. ⏩ to continue it\.$/,
    );
    assert.notEqual(take.id, video.id);
    assert.deepEqual(
      take.files.map((file) => file.filename),
      ['video.mp4'],
    );

    const db = harness.stack.db;
    const first = await firstTake(db, prompt);
    await assertOneTakeJob(db, first.id, 2);
    const history = await db.generation.findMany({
      where: { prompt },
      orderBy: { createdAt: 'asc' },
    });
    assert.deepEqual(
      history.map((row) => row.id),
      [first.id, `${first.id}-t2`],
      'history keeps both takes',
    );
  },
);
