// Who sees what, and what each path accepts. A /video is validated before it is acknowledged:
// a refusal is an ephemeral reply, only an accepted request is deferred publicly (and when the
// bot is slow, its private "thinking…" is told and a public follow-up carries the request).
// Notes for the requester are ephemeral follow-ups while the token lives, replies that ping
// nobody after. Uploads use the interaction's limit through the interaction, the server's on
// the channel, and a 40005 there makes the retry lighter (here: a link).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import { waitFor } from '../../helpers/manual-clock.js';
import type { FakeInteraction, FakeMessage, FakeUser } from './fake/fake-discord.js';
import { DiscordHarness, eventually } from './harness.js';

const EPHEMERAL = 64;
const VOTE_WINDOW_MS = 30 * 60_000;
/** Smaller than the test videos (~2.8 KB). */
const SMALL_LIMIT = 2400;
const linkOf = (file: string) =>
  `https://videos.example/${path.basename(path.dirname(file))}/${path.basename(file)}`;

let h: DiscordHarness;
let slow: DiscordHarness;

before(async () => {
  h = await new DiscordHarness(
    { artifactUrl: linkOf },
    { deliveryRetryMs: 5, voteWindowMs: VOTE_WINDOW_MS },
  ).start();
  // A bot slower than Discord's 3 s: here, every /video waits past the deadline.
  slow = await new DiscordHarness({ acknowledgeWithinMs: 0 }).start();
});

after(async () => {
  await h?.cleanup();
  await slow?.cleanup();
});

function originalOf(harness: DiscordHarness, interaction: FakeInteraction): Promise<FakeMessage> {
  return waitFor(() => {
    const reply = harness.fake.world.messages.get(interaction.originalMessageId ?? '');
    return reply && reply.content !== '' && reply;
  }, 'the answer');
}

async function usedQuota(harness: DiscordHarness, user: FakeUser): Promise<number> {
  const subject = { platform: 'discord', workspaceId: harness.fake.world.guildId, userId: user.id };
  return (await harness.quota.status(subject, harness.clock.now())).user.daily.used;
}

/** A /video by `user` whose round is open with the bot's reactions. */
async function openRound(user: FakeUser, prompt: string, attachmentSizeLimit?: number) {
  const interaction = h.fake.command(user, 'video', {
    values: { prompt, seed: 8, steps: 2 },
    ...(attachmentSizeLimit ? { attachmentSizeLimit } : {}),
  });
  const round = await h.waitForMessage(new RegExp(`Round 1 for "${prompt}"`));
  await h.waitForBotReactions(round, ROUND_REACTIONS);
  const status = h.fake.world.messages.get(interaction.originalMessageId!)!;
  return { interaction, round, status };
}

/** `user` votes 1️⃣ and the vote closes at its deadline, past the token's 15 minutes. */
async function voteAndCloseLate(user: FakeUser, round: FakeMessage): Promise<void> {
  h.fake.react(user, round, '1️⃣');
  await eventually(async () => (await h.voteOf(round, user.id)) === 1, 'the vote');
  await h.settle();
  h.clock.advance(VOTE_WINDOW_MS + 60_000);
}

test('a /video over its quota is an ephemeral reply: nothing deferred, queued or charged', async () => {
  const alice = h.fake.world.addUser('alice');
  await h.quota.change(
    { platform: 'discord', workspaceId: h.fake.world.guildId },
    { action: 'set', target: { kind: 'user', userId: alice.id }, period: 'daily', limit: 0 },
    h.clock.now(),
  );
  const interaction = h.fake.command(alice, 'video', { values: { prompt: 'a red circle' } });
  const answer = await originalOf(h, interaction);
  assert.match(answer.content, /^Sorry, I can't do that: Your daily limit of 0 videos is used up/);
  assert.equal(answer.flags & EPHEMERAL, EPHEMERAL);
  assert.equal(interaction.responseType, 4, 'a reply, not a defer');
  await h.settle();
  assert.equal(h.bot.service.runner.openGenerations, 0);
  assert.equal(await usedQuota(h, alice), 0);
});

test('an accepted /video is deferred publicly and its status replaces the "thinking…"', async () => {
  const bob = h.fake.world.addUser('bob');
  const { interaction, status } = await openRound(bob, 'a blue square');
  assert.equal(interaction.responseType, 5, 'deferred');
  assert.equal(status.flags & EPHEMERAL, 0, 'everyone sees the request');
  assert.equal(status.contents[0], '', 'the "thinking…" first');
  assert.match(status.contents[1] ?? '', /^⏳ "a blue square": queued/);
});

test('notes for the requester: an ephemeral follow-up while the token lives, an unpinged reply after', async () => {
  const carol = h.fake.world.addUser('carol');
  const { round, status } = await openRound(carol, 'a green circle');
  // ✅ before any vote: the flow tells the requester to pick a frame first.
  h.fake.react(carol, round, '✅');
  const note = await h.waitForMessage(/^Vote for a frame first/);
  assert.equal(note.flags & EPHEMERAL, EPHEMERAL, 'only the requester sees it');
  assert.equal(note.via, 'followup');
  assert.ok(!note.content.includes(`<@${carol.id}>`), 'no mention needed');

  h.fake.react(carol, round, '✅', false);
  h.clock.advance(16 * 60_000); // the token is past its 15 minutes; the vote is still open
  h.fake.react(carol, round, '✅');
  const late = await h.waitForMessage(new RegExp(`^<@${carol.id}> Vote for a frame first`));
  assert.equal(late.via, 'channel');
  assert.equal(late.replyTo, status.id, 'under the request it is about');
  const [sent] = h.fake.rest
    .calls('POST', /^\/channels\/\d+\/messages$/)
    .filter((r) => (r.body as { json: { content?: string } }).json.content === late.content);
  const json = (sent?.body as { json: Record<string, unknown> }).json;
  assert.deepEqual(json.allowed_mentions, { parse: [], users: [], replied_user: false });
});

test("past the token, a video goes through the channel under the server's limit, not the interaction's", async () => {
  const dave = h.fake.world.addUser('dave');
  // Discord said SMALL_LIMIT for uploads through this interaction (the fake holds it to that).
  const { round } = await openRound(dave, 'a white triangle', SMALL_LIMIT);
  await voteAndCloseLate(dave, round);
  const result = await h.waitForMessage(/^🎬 "a white triangle"/);
  assert.equal(result.via, 'channel');
  assert.equal(result.files[0]?.filename, 'video.mp4', 'uploaded whole');
  assert.ok(result.files[0].size > SMALL_LIMIT, `${result.files[0].size} bytes`);
  assert.ok(!/upload limit/.test(result.content), result.content);
  await h.settle();
  assert.equal(await usedQuota(h, dave), 1);
});

test('40005 on the channel: the retry is lighter (a link), posted and committed', async () => {
  const erin = h.fake.world.addUser('erin');
  const { round, status } = await openRound(erin, 'a yellow square');
  // Discord takes less than the bot's estimate of the server's limit (as after a boost lost
  // while the bot's cache missed it).
  h.fake.world.channelUploadLimit = 2000;
  try {
    await voteAndCloseLate(erin, round);
    const result = await h.waitForMessage(/^🎬 "a yellow square"/);
    const tooLarge = h.fake.rest
      .calls('POST', /^\/channels\/\d+\/messages$/)
      .filter((r) => r.status === 413);
    assert.equal(tooLarge.length, 1, 'refused once as too large');
    assert.deepEqual(result.files, [], 'nothing over the limit sent again');
    const { items } = await h.store.history({
      platform: 'discord',
      workspaceId: h.fake.world.guildId,
      userId: erin.id,
      page: 1,
      pageSize: 1,
    });
    const mp4 = items[0]!.videoPath!;
    assert.ok(
      result.content.includes(`is over this server's upload limit: ${linkOf(mp4)}`),
      result.content,
    );
    await waitFor(() => status.content.includes('posted below'), 'the status saying done');
    await h.settle();
    assert.equal(await usedQuota(h, erin), 1);
  } finally {
    h.fake.world.channelUploadLimit = undefined;
  }
});

test('a slow bot defers privately: a refusal fills that, an accepted request goes public', async () => {
  const frank = slow.fake.world.addUser('frank');
  // The image takes longer to download than the bot may wait before answering Discord.
  slow.fake.rest.cdnDelayMs = 200;
  const png = await sharp({
    create: { width: 64, height: 64, channels: 3, background: { r: 250, g: 120, b: 200 } },
  })
    .png()
    .toBuffer();
  const image = { option: 'image', name: 'frame.png', contentType: 'image/png', data: png };
  const refused = slow.fake.command(frank, 'video', {
    values: { prompt: 'a red circle', scheduler: 'lms' },
    attachment: image,
  });
  const refusal = await waitFor(() => {
    const original = slow.fake.world.messages.get(refused.originalMessageId ?? '');
    return original && /scheduler "lms" is unknown/.test(original.content) && original;
  }, 'the refusal in the private "thinking…"');
  assert.equal(refused.responseType, 5, 'deferred before the answer was known');
  assert.equal(refusal.flags & EPHEMERAL, EPHEMERAL);

  const accepted = slow.fake.command(frank, 'video', {
    values: { prompt: 'a pink circle' },
    attachment: image,
  });
  const result = await slow.waitForMessage(/^🎬 "a pink circle"/);
  const original = slow.fake.world.messages.get(accepted.originalMessageId!)!;
  assert.equal(original.flags & EPHEMERAL, EPHEMERAL);
  assert.equal(original.content, 'Accepted: your video is being made, below.');
  const request = slow.fake
    .messages()
    .find(
      (m) => m.via === 'followup' && m.contents[0] === '⏳' && /"a pink circle"/.test(m.content),
    );
  assert.ok(request, 'the request as a public follow-up, filled by the status');
  assert.equal(request.flags & EPHEMERAL, 0);
  assert.equal(result.flags & EPHEMERAL, 0, 'the video is public');
});
