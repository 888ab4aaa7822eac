// /video on Discord, end to end through the real discord.js client and the real bot service:
// two voters and a vote change, the closing time, a 🔄 round, a vote on a grid posted before a
// restart, and a late vote on a finished grid after a restart.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GatewayIntentBits } from 'discord.js';
import { ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { DiscordHarness, eventually } from './harness.js';
import type { FakeUser } from './fake/fake-discord.js';

const EPHEMERAL = 64;
const emojiOf = (reactionPath: string) => decodeURIComponent(reactionPath.split('/')[6] ?? '');
let h: DiscordHarness;
let alice: FakeUser;
let bob: FakeUser;
let carol: FakeUser;

before(async () => {
  h = await new DiscordHarness().start();
  alice = h.fake.world.addUser('alice');
  bob = h.fake.world.addUser('bob');
  carol = h.fake.world.addUser('carol');
});

after(async () => {
  await h?.cleanup();
});

test('the client connects with the intents reactions need, over JSON without compression', () => {
  const [identify] = h.fake.gateway.identifies;
  assert.ok(identify, 'the client identified');
  assert.equal(identify.token, h.fake.token);
  for (const intent of [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions]) {
    assert.ok(
      (identify.intents & intent) !== 0,
      `intent ${GatewayIntentBits[intent]} is asked for`,
    );
  }
  assert.match(h.fake.gateway.connections[0] ?? '', /v=10&encoding=json$/);
});

test('a /video round: deferred within 3 s once accepted, progress by edits, grid with reactions, two voters, a vote change', async () => {
  const prompt = 'a big red circle moving left on black';
  const interaction = h.fake.command(alice, 'video', {
    values: { prompt, seed: 7, steps: 3, guidance: 4.5, scheduler: 'ddim' },
  });
  const round = await h.waitForMessage(/Round 1 for/);
  assert.equal(interaction.responseType, 5, 'deferred (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE)');
  assert.ok(
    interaction.answeredAfterMs! < 3000,
    `deferred after ${interaction.answeredAfterMs} ms`,
  );
  const status = h.fake.world.messages.get(interaction.originalMessageId!)!;
  assert.equal(status.flags & EPHEMERAL, 0, 'the channel sees the request');
  assert.ok(
    status.contents.some((content) => content.includes('drawing 4 first frames… step 3/3')),
    `progress shown by editing the reply: ${JSON.stringify(status.contents)}`,
  );
  assert.equal(round.via, 'followup');
  assert.equal(round.replyTo, status.id);
  assert.deepEqual(
    round.files.map((file) => file.filename),
    ['round1-grid.png'],
  );

  await h.waitForBotReactions(round, ROUND_REACTIONS);
  // Once the vote is open, the grid says when it closes in Discord's own time markup, which
  // every reader's client shows in their terms ("in a minute") and keeps counting down.
  const closesAt = Math.floor((h.clock.now() + 60_000) / 1000);
  await waitFor(() => round.content.includes(`<t:${closesAt}:R>`), 'the closing time');
  assert.match(round.contents[0] ?? '', /Voting closes in 60 s;/, 'posted before the window');
  assert.match(round.content, new RegExp(`Voting closes <t:${closesAt}:R>; alice can close it`));
  const reactionCalls = h.fake.rest.calls('PUT', /\/reactions\/[^/]+\/@me$/);
  assert.deepEqual(
    reactionCalls.filter((call) => call.status === 204).map((call) => emojiOf(call.path)),
    ROUND_REACTIONS,
    'added in order',
  );
  // discord.js learns the reaction bucket from the first answer's headers; at most the one
  // request sent before that is refused, and it is retried after Retry-After, not before.
  assert.ok(h.fake.rest.rateLimitViolations <= 1, `${h.fake.rest.rateLimitViolations} 429s`);
  reactionCalls.forEach((call, i) => {
    if (call.status !== 429) return;
    const retry = reactionCalls.slice(i + 1).find((later) => later.path === call.path);
    assert.ok(retry && retry.at - call.at >= call.retryAfterMs!, 'retried after Retry-After');
  });

  h.fake.react(bob, round, '2️⃣');
  h.fake.react(carol, round, '3️⃣');
  await eventually(async () => (await h.voteOf(round, bob.id)) === 2, "bob's vote for 2");
  h.fake.react(bob, round, '3️⃣');
  await eventually(async () => (await h.voteOf(round, bob.id)) === 3, "bob's changed vote");
  await eventually(async () => (await h.voteOf(round, carol.id)) === 3, "carol's vote");
  await waitFor(
    () => !round.reactions.get('2️⃣')?.includes(bob.id),
    "the bot taking back bob's superseded 2️⃣",
  );
  await h.settle();

  h.clock.advance(60_000);
  const result = await h.waitForMessage(/🎬/);
  // Candidates of round 1 have seeds 7, 8, 9, 10: frame 3 is seed 9.
  assert.match(result.content, new RegExp(`"${prompt}" for alice: seed 9, frame 3 of round 1`));
  assert.match(result.content, /1️⃣ 0 · 2️⃣ 0 · 3️⃣ 2 · 4️⃣ 0 · 🔄 0/, 'the bot never counts itself');
  assert.equal(result.replyTo, status.id, 'the video answers the request');
  assert.equal(result.via, 'followup');
  const [video] = result.files;
  assert.equal(video?.filename, 'video.mp4', 'the MP4 only: the GIF is its preview');
  assert.equal(result.files.length, 1);
  const [generation] = await h.store
    .history({
      platform: 'discord',
      workspaceId: h.fake.world.guildId,
      page: 1,
      pageSize: 5,
    })
    .then((page) => page.items);
  assert.equal(video.size, statSync(generation!.videoPath!).size, 'the whole file was uploaded');
  assert.equal(path.basename(generation!.videoPath!), 'video.mp4');
  await waitFor(() => status.content.includes('done'), 'the status message saying done');
});

test('🔄 from the requester starts round 2 with new frames', async () => {
  h.fake.command(alice, 'video', { values: { prompt: 'a small blue square', seed: 11, steps: 2 } });
  const round1 = await h.waitForMessage(/Round 1 for "a small blue square"/);
  await h.waitForBotReactions(round1, ROUND_REACTIONS);
  h.fake.react(alice, round1, '🔄');
  const round2 = await h.waitForMessage(/Round 2 for "a small blue square"/);
  assert.deepEqual(
    round2.files.map((file) => file.filename),
    ['round2-grid.png'],
  );
  await h.waitForBotReactions(round2, ROUND_REACTIONS);
  h.fake.react(bob, round2, '4️⃣');
  await eventually(async () => (await h.voteOf(round2, bob.id)) === 4, "bob's vote in round 2");
  // A late reaction on the closed round changes nothing.
  h.fake.react(carol, round1, '1️⃣');
  await h.settle();
  h.clock.advance(60_000);
  const result = await h.waitForMessage(/🎬 "a small blue square"/);
  // Round 2 draws seeds 15–18 (seed + 4(n-1) + i): frame 4 is seed 18.
  assert.match(result.content, /seed 18, frame 4 of round 2/);
  assert.match(result.content, /1️⃣ 0 · 2️⃣ 0 · 3️⃣ 0 · 4️⃣ 1/);
});

test('reactions on a grid posted before a restart still count (partials)', async () => {
  h.fake.command(alice, 'video', { values: { prompt: 'a green triangle', seed: 3, steps: 2 } });
  const round = await h.waitForMessage(/Round 1 for "a green triangle"/);
  await h.waitForBotReactions(round, ROUND_REACTIONS);
  await h.settle();
  await h.stop();
  await h.start();
  assert.equal(h.fake.gateway.identifies.length, 2, 'a new client identified');
  h.fake.react(bob, round, '2️⃣');
  await eventually(async () => (await h.voteOf(round, bob.id)) === 2, 'the vote after the restart');
  await h.settle();
  h.clock.advance(60_000);
  const result = await h.waitForMessage(/🎬 "a green triangle"/);
  assert.match(result.content, /frame 2 of round 1/);
  // The interaction is gone with the old process: the video goes through the channel.
  assert.equal(result.via, 'channel');
  assert.equal(result.replyTo, round.replyTo, 'still a reply to the request');
  assert.equal(result.files[0]?.filename, 'video.mp4');
});

test('a late vote on a finished grid after a restart is taken back with a note to the voter', async () => {
  const round = await h.waitForMessage(/Round 1 for "a green triangle"/);
  await h.waitForMessage(/🎬 "a green triangle"/);
  await h.settle();
  await h.stop();
  await h.start();
  h.fake.react(carol, round, '1️⃣');
  const note = await h.waitForMessage(/Round 1 for "a green triangle" is closed/);
  assert.match(note.content, /is closed \(frame 2 won\): your reaction does not count/);
  // No interaction of carol's lives: the note is a channel reply naming her, without a ping.
  assert.match(note.content, new RegExp(`^<@${carol.id}> `));
  await waitFor(
    () => !round.reactions.get('1️⃣')?.includes(carol.id),
    "the bot taking back carol's late 1️⃣",
  );
  assert.match(round.content, /closed: frame 2 wins/, 'the grid still shows its result');
});
