// Discord refusing the grid or the video (40005 too large, 50013 Missing Permissions, 50001
// Missing Access): the bot retries lighter versions, then fails the generation, refunds and
// says why in words; never "posted" for a video that is not there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { DiscordHarness, eventually } from './harness.js';
import type { FakeMessage, FakeUser } from './fake/fake-discord.js';
import { DISCORD_ERRORS } from './fake/rest.js';

let h: DiscordHarness;
/** What the bot says when Discord refuses for lack of a permission. */
const cannotMakeVideos = (missing: string) =>
  `I can't make videos in <#${h.fake.world.channelId}>: give me ${missing}`;

before(async () => {
  h = await new DiscordHarness({}, { deliveryRetryMs: 5 }).start();
});

after(async () => {
  await h?.cleanup();
});

/** A /video; returns its status message (the interaction's reply). */
async function request(user: FakeUser, prompt: string): Promise<FakeMessage> {
  const interaction = h.fake.command(user, 'video', { values: { prompt, seed: 3, steps: 2 } });
  await waitFor(() => interaction.originalMessageId, 'the deferred reply');
  return h.fake.world.messages.get(interaction.originalMessageId!)!;
}

/** Votes 1️⃣ on the round and closes it at the deadline. */
async function voteAndClose(user: FakeUser, prompt: string): Promise<void> {
  const round = await h.waitForMessage(new RegExp(`Round 1 for "${prompt}"`));
  await h.waitForBotReactions(round, ROUND_REACTIONS);
  h.fake.react(user, round, '1️⃣');
  await eventually(async () => (await h.voteOf(round, user.id)) === 1, 'the vote');
  await h.settle();
  h.clock.advance(60_000);
}

async function usedQuota(user: FakeUser): Promise<number> {
  const status = await h.quota.status(
    { platform: 'discord', workspaceId: h.fake.world.guildId, userId: user.id },
    h.clock.now(),
  );
  return status.user.daily.used;
}

async function failedWith(status: FakeMessage, reason: string): Promise<void> {
  await waitFor(() => status.content.startsWith('❌'), 'the status saying it failed');
  assert.ok(status.content.includes(`(${reason}). Your quota was refunded.`), status.content);
  assert.ok(!status.contents.some((c) => /posted below/.test(c)), 'never claims it was posted');
  await h.settle();
}

/** Requests that carried files (the fake records the parsed body: JSON and files). */
const uploads = () =>
  h.fake.rest.requests.filter((r) => ((r.body as { files?: unknown[] })?.files?.length ?? 0) > 0);

for (const [name, error, missing] of [
  ['50013 Missing Permissions', DISCORD_ERRORS.missingPermissions, 'Attach Files'],
  ['50001 Missing Access', DISCORD_ERRORS.missingAccess, 'View Channel'],
] as const) {
  test(`${name} on the video: not retried (no retry fixes it), failed and refunded, "give me ${missing}"`, async () => {
    const user = h.fake.world.addUser(`u-${error.body.code}`);
    const prompt = `a red circle ${error.body.code}`;
    const status = await request(user, prompt);
    await voteAndClose(user, prompt);
    const before = uploads().length;
    h.fake.rest.refuseUploads(error);
    try {
      await failedWith(status, cannotMakeVideos(missing));
    } finally {
      h.fake.rest.refuseUploads(undefined);
    }
    assert.match(status.content, /❌ ".*" failed: the video could not be posted \(I can't make/);
    assert.equal(uploads().length - before, 1, 'one try: a permanent refusal');
    assert.ok(!h.fake.messages().some((m) => m.content.startsWith(`🎬 "${prompt}"`)));
    assert.equal(await usedQuota(user), 0, 'refunded, not committed');
  });
}

test('40005 on the video: "the video is larger than this server accepts", refunded', async () => {
  const user = h.fake.world.addUser('u-40005');
  const prompt = 'a blue square 40005';
  const status = await request(user, prompt);
  await voteAndClose(user, prompt);
  h.fake.rest.refuseUploads(DISCORD_ERRORS.tooLarge);
  try {
    await failedWith(status, 'the video is larger than this server accepts');
  } finally {
    h.fake.rest.refuseUploads(undefined);
  }
  assert.equal(await usedQuota(user), 0);
  const [item] = (
    await h.store.history({
      platform: 'discord',
      workspaceId: h.fake.world.guildId,
      page: 1,
      pageSize: 1,
    })
  ).items;
  assert.equal(item?.phase, 'failed');
});

test('a grid Discord refuses opens no vote: failed, refunded, no reactions', async () => {
  const user = h.fake.world.addUser('u-grid');
  const prompt = 'a green triangle grid';
  h.fake.rest.refuseUploads(DISCORD_ERRORS.missingPermissions);
  try {
    const status = await request(user, prompt);
    await failedWith(status, cannotMakeVideos('Attach Files'));
    assert.match(status.content, /failed: the first frames could not be posted/);
  } finally {
    h.fake.rest.refuseUploads(undefined);
  }
  assert.ok(!h.fake.messages().some((m) => m.content.includes(`Round 1 for "${prompt}"`)));
  assert.equal(await usedQuota(user), 0);
});

test('one passing failure, then the retry goes through: posted, "done", committed', async () => {
  const user = h.fake.world.addUser('u-retry');
  const prompt = 'a white circle retried';
  const status = await request(user, prompt);
  await voteAndClose(user, prompt);
  // Not a refusal the bot knows to be permanent (as 50013 is): retried.
  h.fake.rest.refuseUploads(
    { status: 400, body: { message: 'Invalid Form Body', code: 50035 } },
    1,
  );
  const result = await h.waitForMessage(new RegExp(`🎬 "${prompt}"`));
  assert.deepEqual(
    result.files.map((f) => f.filename),
    ['video.mp4'],
  );
  await waitFor(() => status.content.includes('posted below'), 'the status saying done');
  await h.settle();
  assert.equal(await usedQuota(user), 1, 'committed');
});
