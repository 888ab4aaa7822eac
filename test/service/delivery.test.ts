// The flow runner delivering the grid and the video: retries with backoff and lighter
// versions (no GIF preview), and what the requester is told when nothing gets through.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DiscordAPIError, RESTJSONErrorCodes } from 'discord.js';
import { DeliveryError, type OutgoingMessage } from '../../src/bots/chat-adapter.js';
import { deliveryErrorOf as discordRefusal } from '../../src/bots/discord/delivery-errors.js';
import { deliveryErrorOf as slackRefusal } from '../../src/bots/slack/delivery-errors.js';
import { lighterVersions } from '../../src/service/flow-runner.js';
import { Harness } from './service-harness.js';

const harnesses: Harness[] = [];
after(async () => {
  for (const harness of harnesses) await harness.cleanup();
});

/** A bot whose chat adapter refuses posts for which `refuse` answers an error. */
async function bot(refuse: (message: OutgoingMessage) => Error | undefined, deliveryRetryMs = 1) {
  const h = await new Harness({ deliveryRetryMs }).start();
  harnesses.push(h);
  const tries: OutgoingMessage[] = [];
  const post = h.adapter.post.bind(h.adapter);
  h.adapter.post = async (channelId, message) => {
    if (message.attachments?.length) tries.push(message);
    const error = refuse(message);
    if (error) throw error;
    return post(channelId, message);
  };
  return { h, tries };
}

async function makeVideo(h: Harness, prompt: string): Promise<void> {
  await h.adapter.submit('alice', `/video ${prompt} --steps 1`);
  const grid = await h.waitForMessage(/Round 1/);
  await h.settle();
  await h.adapter.toggleReaction('alice', grid.id, '1️⃣');
  await h.adapter.toggleReaction('alice', grid.id, '✅');
}

async function usedQuota(h: Harness): Promise<number> {
  await h.settle();
  const quota = await h.quota.status(
    { platform: 'local', workspaceId: 'local', userId: 'alice' },
    h.clock.now(),
  );
  return quota.user.daily.used;
}

const hasGif = (message: OutgoingMessage) => message.attachments?.some((a) => a.kind === 'gif');

test('lighter versions: as written, then without the GIF preview', () => {
  const video = { path: '/v.mp4', kind: 'video' as const };
  const gif = { path: '/v.gif', kind: 'gif' as const };
  assert.deepEqual(
    lighterVersions({ text: 't', attachments: [video, gif] }).map((m) => m.attachments),
    [[video, gif], [video]],
  );
  assert.deepEqual(lighterVersions({ text: 't' }), [{ text: 't' }]);
});

test('a video refused with its GIF is posted again without it: done and committed', async () => {
  const { h, tries } = await bot((message) =>
    hasGif(message) ? new DeliveryError('the video is larger than this server accepts') : undefined,
  );
  await makeVideo(h, 'a red circle light');
  const result = await h.waitForMessage(/🎬 "a red circle light"/);
  assert.deepEqual(
    result.attachments.map((a) => a.kind),
    ['video'],
  );
  await h.waitForMessage(/✅ "a red circle light": done, the video is posted below/);
  assert.equal(tries.filter((m) => m.attachments?.some((a) => a.kind === 'video')).length, 2);
  assert.equal(await usedQuota(h), 1, 'committed');
});

test('a video no version of which gets through: failed with the reason, refunded', async () => {
  const { h, tries } = await bot((message) =>
    message.attachments?.some((a) => a.kind === 'video')
      ? new DeliveryError("I can't attach files in this channel: give me Attach Files")
      : undefined,
  );
  await makeVideo(h, 'a blue square never');
  await h.waitForMessage(
    /❌ "a blue square never" failed: the video could not be posted \(I can't attach files in this channel: give me Attach Files\)\. Your quota was refunded\./,
  );
  assert.equal(tries.filter((m) => m.attachments?.some((a) => a.kind === 'video')).length, 3);
  assert.ok(!h.messages().some((m) => /🎬|posted below/.test(m.text)));
  assert.equal(await usedQuota(h), 0, 'refunded, not committed');
});

test('a grid post failing with an unexpected error says so plainly, without the raw error', async () => {
  const { h } = await bot((message) =>
    message.attachments?.some((a) => a.kind === 'image')
      ? new Error('ECONNRESET /srv/firstframe/artifacts/grid.png')
      : undefined,
  );
  await h.adapter.submit('alice', '/video a green triangle grid --steps 1');
  const failed = await h.waitForMessage(
    /❌ "a green triangle grid" failed: the first frames could not be posted \(the chat service did not take it\)\. Your quota was refunded\./,
  );
  assert.doesNotMatch(failed.text, /ECONNRESET|\/srv/);
  assert.ok(!h.messages().some((m) => /Round 1/.test(m.text)));
  assert.equal(await usedQuota(h), 0);
});

/** A retry would wait this long: a test that sees the failure at all saw it without a retry. */
const NEVER_MS = 10 * 60 * 1000;
const NO_ATTACH = "I can't attach files in this channel: give me Attach Files";

test('a permanent refusal of the video is not retried: failed at once, refunded', async () => {
  const { h, tries } = await bot(
    (message) =>
      message.attachments?.some((a) => a.kind === 'video')
        ? new DeliveryError(NO_ATTACH, { permanent: true })
        : undefined,
    NEVER_MS,
  );
  await makeVideo(h, 'a red square once');
  await h.waitForMessage(
    /❌ "a red square once" failed: the video could not be posted \(I can't attach files in this channel: give me Attach Files\)\. Your quota was refunded\./,
  );
  assert.equal(tries.filter((m) => m.attachments?.some((a) => a.kind === 'video')).length, 1);
  assert.equal(await usedQuota(h), 0, 'refunded');
});

test('a permanent refusal of the grid is not retried: no vote, refunded', async () => {
  const { h, tries } = await bot(
    (message) =>
      message.attachments?.some((a) => a.kind === 'image')
        ? new DeliveryError("I'm not in this channel: invite me with /invite", { permanent: true })
        : undefined,
    NEVER_MS,
  );
  await h.adapter.submit('alice', '/video a white circle gone --steps 1');
  await h.waitForMessage(
    /❌ "a white circle gone" failed: the first frames could not be posted \(I'm not in this channel: invite me with \/invite\)\. Your quota was refunded\./,
  );
  assert.equal(tries.length, 1, 'one try');
  assert.ok(!h.messages().some((m) => /Round 1/.test(m.text)));
  assert.equal(await usedQuota(h), 0);
});

test("the platforms' refusals that no retry fixes are marked permanent; the others are not", () => {
  const discord = (code: number, status: number) =>
    discordRefusal(
      new DiscordAPIError({ code, message: 'refused' }, code, status, 'POST', '/x', {}),
      { text: 'v', attachments: [{ path: '/v.mp4', kind: 'video' }] },
      { channelId: 'c1', missing: [] },
    );
  assert.equal(discord(RESTJSONErrorCodes.MissingPermissions, 403)?.permanent, true);
  assert.equal(discord(RESTJSONErrorCodes.MissingAccess, 403)?.permanent, true);
  assert.equal(discord(RESTJSONErrorCodes.RequestEntityTooLarge, 413)?.permanent, false);
  const slack = (error: string, withFiles = true) =>
    slackRefusal(Object.assign(new Error(error), { data: { ok: false, error } }), withFiles);
  for (const code of ['not_in_channel', 'channel_not_found', 'is_archived', 'missing_scope']) {
    assert.equal(slack(code)?.permanent, true, code);
  }
  assert.equal(slack('file_uploads_disabled')?.permanent, true);
  assert.equal(slack('ratelimited')?.permanent, false);
  assert.equal(slack('internal_error')?.permanent, false, 'an unknown upload failure');
  assert.equal(new DeliveryError('x').permanent, false, 'not permanent unless said');
});
