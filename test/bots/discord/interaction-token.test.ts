// Interaction tokens live 15 minutes. After that (by the clock), or as soon as Discord answers
// Unknown Webhook, the bot edits and posts through the channel, still replying to the request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { DiscordHarness, eventually } from './harness.js';
import type { FakeUser } from './fake/fake-discord.js';

let h: DiscordHarness;
let alice: FakeUser;
let bob: FakeUser;

before(async () => {
  h = await new DiscordHarness().start();
  alice = h.fake.world.addUser('alice');
  bob = h.fake.world.addUser('bob');
});

after(async () => {
  await h?.cleanup();
});

async function openRound(prompt: string) {
  const interaction = h.fake.command(alice, 'video', { values: { prompt, seed: 5, steps: 2 } });
  const round = await h.waitForMessage(new RegExp(`Round 1 for "${prompt}"`));
  await h.waitForBotReactions(round, ROUND_REACTIONS);
  h.fake.react(bob, round, '1️⃣');
  await eventually(async () => (await h.voteOf(round, bob.id)) === 1, "bob's vote");
  await h.settle();
  const status = h.fake.world.messages.get(interaction.originalMessageId!)!;
  return { interaction, round, status };
}

test('after 15 minutes the video and the status edits go through the channel', async () => {
  const { status } = await openRound('a red circle');
  const before = h.fake.rest.requests.length;
  // The vote stays open 16 minutes (nobody closes it): the token is past its lifetime.
  h.clock.advance(16 * 60_000);
  const result = await h.waitForMessage(/🎬 "a red circle"/);
  await waitFor(() => status.content.includes('done'), 'the status edited to done');
  const later = h.fake.rest.requests.slice(before);
  assert.deepEqual(
    later.filter((r) => r.path.startsWith('/webhooks/')),
    [],
    'the expired token is not used at all',
  );
  assert.equal(result.via, 'channel');
  assert.equal(result.replyTo, status.id, 'the video still replies to the request');
  assert.equal(result.files[0]?.filename, 'video.mp4');
  assert.ok(
    later.some((r) => r.method === 'PATCH' && r.path.endsWith(`/messages/${status.id}`)),
    'the status message was edited through the channel',
  );
  assert.ok(status.contents.some((content) => content.includes('animating frame 1')));
});

test('when Discord says Unknown Webhook, the bot switches to the channel at once', async () => {
  const { interaction, status } = await openRound('a blue square');
  interaction.expired = true; // Discord forgot the token early (the clock says it is fresh)
  const before = h.fake.rest.requests.length;
  h.clock.advance(60_000);
  const result = await h.waitForMessage(/🎬 "a blue square"/);
  await waitFor(() => status.content.includes('done'), 'the status edited to done');
  const later = h.fake.rest.requests.slice(before);
  const refused = later.filter((r) => r.path.startsWith('/webhooks/'));
  assert.equal(refused.length, 1, 'one refused webhook call, then no more');
  assert.equal(refused[0]?.status, 404);
  assert.equal(result.via, 'channel');
  assert.equal(result.replyTo, status.id);
  assert.ok(status.contents.some((content) => content.includes('animating frame 1')));
});
