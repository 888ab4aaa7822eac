// The bot's permissions in the channel. /video is checked against what the flow needs before
// anything is acknowledged, queued or charged: an ephemeral reply names what is missing. A
// permission taken away later makes Discord answer 50013 on the channel route (the fake
// enforces them like Discord): the generation fails, is refunded, and says why in the same words.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { PermissionFlagsBits, PermissionsBitField } from 'discord.js';
import { missingForFlow } from '../../../src/bots/discord/permissions.js';
import { waitFor } from '../../helpers/manual-clock.js';
import type { FakeInteraction, FakeMessage, FakeUser } from './fake/fake-discord.js';
import { DiscordHarness } from './harness.js';

const EPHEMERAL = 64;
let h: DiscordHarness;

before(async () => {
  h = await new DiscordHarness({}, { deliveryRetryMs: 5 }).start();
});

afterEach(() => {
  h.fake.denyBot(0n);
});

after(async () => {
  await h?.cleanup();
});

const cannotMakeVideos = (missing: string) =>
  `I can't make videos in <#${h.fake.world.channelId}>: give me ${missing}`;

function answerTo(interaction: FakeInteraction): Promise<FakeMessage> {
  return waitFor(() => {
    const reply = h.fake.world.messages.get(interaction.originalMessageId ?? '');
    return reply && reply.content !== '' && reply;
  }, 'the answer');
}

async function usedQuota(user: FakeUser): Promise<number> {
  const subject = { platform: 'discord', workspaceId: h.fake.world.guildId, userId: user.id };
  return (await h.quota.status(subject, h.clock.now())).user.daily.used;
}

async function generationsOf(user: FakeUser): Promise<number> {
  const page = await h.store.history({
    platform: 'discord',
    workspaceId: h.fake.world.guildId,
    userId: user.id,
    page: 1,
    pageSize: 10,
  });
  return page.items.length;
}

test('without Attach Files and Add Reactions, /video is refused ephemerally, nothing queued or charged', async () => {
  const alice = h.fake.world.addUser('alice');
  h.fake.denyBot(PermissionFlagsBits.AttachFiles | PermissionFlagsBits.AddReactions);
  const interaction = h.fake.command(alice, 'video', {
    values: { prompt: 'a red circle', seed: 1, steps: 2 },
  });
  const answer = await answerTo(interaction);
  assert.equal(answer.content, cannotMakeVideos('Attach Files and Add Reactions'));
  assert.equal(answer.flags & EPHEMERAL, EPHEMERAL);
  assert.equal(interaction.responseType, 4, 'an ephemeral reply, never deferred');
  await h.settle();
  assert.equal(h.bot.service.runner.openGenerations, 0);
  assert.equal(await generationsOf(alice), 0, 'nothing stored or queued');
  assert.equal(await usedQuota(alice), 0, 'nothing charged');
});

test('each permission the flow needs is named when it is the one missing', async () => {
  const carol = h.fake.world.addUser('carol');
  for (const [flag, name] of [
    [PermissionFlagsBits.ViewChannel, 'View Channel'],
    [PermissionFlagsBits.SendMessages, 'Send Messages'],
    [PermissionFlagsBits.ReadMessageHistory, 'Read Message History'],
  ] as const) {
    h.fake.denyBot(flag);
    const interaction = h.fake.command(carol, 'video', { values: { prompt: 'a blue square' } });
    assert.equal((await answerTo(interaction)).content, cannotMakeVideos(name));
  }
  assert.equal(await generationsOf(carol), 0);
});

test('commands answered privately need no permission in the channel', async () => {
  const dave = h.fake.world.addUser('dave');
  h.fake.denyBot(PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages);
  const answer = await answerTo(h.fake.command(dave, 'quota'));
  assert.match(answer.content, /^Quota for dave/);
  assert.equal(answer.flags & EPHEMERAL, EPHEMERAL);
});

test('in a thread the flow needs Send Messages in Threads; Administrator lacks nothing', () => {
  const channel = new PermissionsBitField([
    PermissionFlagsBits.ViewChannel,
    PermissionFlagsBits.SendMessages,
    PermissionFlagsBits.AttachFiles,
    PermissionFlagsBits.AddReactions,
    PermissionFlagsBits.ReadMessageHistory,
  ]);
  assert.deepEqual(missingForFlow(channel, false), []);
  assert.deepEqual(missingForFlow(channel, true), ['Send Messages in Threads']);
  assert.deepEqual(
    missingForFlow(new PermissionsBitField(PermissionFlagsBits.Administrator), true),
    [],
  );
});

test('Attach Files taken away after the command: 50013 on the grid, failed, refunded, told why', async () => {
  const erin = h.fake.world.addUser('erin');
  const prompt = 'a green triangle';
  const interaction = h.fake.command(erin, 'video', { values: { prompt, seed: 4, steps: 2 } });
  // The token is gone before the grid is posted (as after a long queue): the grid goes through
  // the channel, where an admin has just taken Attach Files away.
  interaction.expired = true;
  h.fake.denyBot(PermissionFlagsBits.AttachFiles);
  const status = await h.waitForMessage(new RegExp(`^❌ "${prompt}" failed`));
  assert.equal(
    status.content,
    `❌ "${prompt}" failed: the first frames could not be posted (${cannotMakeVideos('Attach Files')}). Your quota was refunded.`,
  );
  const refused = h.fake.rest
    .calls('POST', /^\/channels\/\d+\/messages$/)
    .filter((r) => r.status === 403);
  assert.equal(refused.length, 1, 'one try: a permanent refusal is not retried');
  assert.ok(!h.fake.messages().some((m) => m.content.includes(`Round 1 for "${prompt}"`)));
  await h.settle();
  assert.equal(await usedQuota(erin), 0, 'refunded');
});
