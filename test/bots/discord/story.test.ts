// A story on Discord on the real stack (the adapter from DISCORD_TOKEN against the fake Discord,
// Prisma on SQLite, BullMQ, the ONNX engine with the tiny model): a /video and its vote, then
// /extend with what happens next; the story round's preview GIF of four continuations gets
// 1️⃣-4️⃣ 🔄 ✅ (no 🔀), two members vote, and the whole story is posted as one MP4 listing both
// clips with their voters.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { EXTEND_EMOJI, RETAKE_EMOJI } from '../../../src/core/flow/emoji.js';
import { probeVideo } from '../../engine/helpers/probe.js';
import { waitFor } from '../../wiring/stack-harness.js';
import { DiscordOnStack } from './discord-on-stack.js';
import { FIRST, NEXT, StorySteps } from './story-steps.js';

const discord = new DiscordOnStack();
const steps = new StorySteps(discord);

before(async () => {
  await discord.start();
});

after(async () => {
  await discord.cleanup();
});

test(
  'a two-clip story on Discord: /extend, the preview GIF voted by two, the whole story posted',
  { timeout: 240_000 },
  async () => {
    const { fake } = discord;
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => fake.world.addUser(name));
    const video = await steps.firstVideo(alice!, [bob!, carol!]);

    // ⏩ by a member: how to go on, addressed to them (a reaction carries no caption).
    fake.react(bob!, video, EXTEND_EMOJI);
    const hint = await discord.message(new RegExp(`To continue "${FIRST}", send /video extend`));
    assert.ok(hint.content.startsWith(`<@${bob!.id}> `), 'named without a ping');

    steps.extend(alice!);
    const round = await steps.storyRound();
    fake.react(bob!, round, '2️⃣');
    fake.react(carol!, round, '2️⃣');
    await steps.votesStored(4);
    fake.react(alice!, round, '✅');

    const story = await steps.storyVideo('bob, carol');
    const [first, next] = [await steps.succeeded(FIRST), await steps.succeeded(NEXT)];
    assert.equal(story.files[0]!.size, statSync(next.videoPath!).size, 'the whole story MP4');
    const [firstFrames, storyFrames] = [first, next].map(
      (row) => probeVideo(row.videoPath!).frames,
    );
    assert.ok(
      storyFrames! > firstFrames!,
      `the story (${storyFrames} frames) is longer than its first clip (${firstFrames})`,
    );
    await waitFor('⏩ under the story', () => steps.botHas(story, EXTEND_EMOJI));
    assert.equal(story.reactions.get(RETAKE_EMOJI), undefined, 'a story is not re-taken');
    const db = discord.harness.stack.db;
    const jobs = await db.jobRecord.findMany({ where: { generationId: next.id } });
    assert.deepEqual(
      jobs.map((job) => job.kind),
      ['candidates'],
      'the winner needs no animation',
    );
    await steps.committed(next.id); // the clip cost alice 1
  },
);
