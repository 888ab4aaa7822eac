// Slack rate limiting the bot (HTTP 429 with Retry-After, from the fake): a progress edit is
// dropped and holds up nothing else (it has a Web API client of its own, while the app's client
// pauses every call on a 429); a 429 on the video upload is waited out and retried, and when
// it never ends the generation fails, refunds and says why.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../../helpers/manual-clock.js';
import type { FakeMessage } from './fake-slack.js';
import { SlackHarness, USERS } from './slack-harness.js';

let h: SlackHarness;

before(async () => {
  // One retry in the app's client, as in production (which has five): a 429 is waited out.
  h = await new SlackHarness('http', { deliveryRetryMs: 5 }, { apiRetries: 1 }).start();
});

after(async () => {
  await h.cleanup();
});

const PROGRESS = /… step \d+\/\d+$/;
const isProgress = (args: Record<string, unknown>) => PROGRESS.test(String(args.text));

function statusStartingWith(request: FakeMessage, head: string, timeoutMs?: number) {
  return waitFor(
    () => h.fake.messages.find((m) => m.threadTs === request.ts && m.text.startsWith(head)),
    `the status starting with ${head}`,
    timeoutMs,
  );
}

/** A round with bob's vote for frame 1, closed by the deadline once `limit` is set. */
async function closeRound(prompt: string, limit: () => void) {
  const { request, grid } = await h.startVideo(prompt, '--seed 3 --steps 2');
  await h.react(USERS.bob, 'one', grid.ts);
  await h.waitForVotes(prompt, { [USERS.bob]: 1 });
  const used = await h.usedQuota();
  limit();
  h.clock.advance(60_000);
  return { request, used };
}

test('a rate-limited progress edit is dropped, not retried, and holds up nothing: grid, votes, milestones and the video go through', async () => {
  const prompt = 'a red circle under a rate limit';
  // Ten minutes: anything that waited behind this 429 would time the test out.
  h.fake.rateLimit('chat.update', { retryAfter: 600, when: isProgress });
  try {
    const { request, grid } = await h.startVideo(prompt, '--seed 7 --steps 3');
    assert.equal(h.fake.rateLimited.length, 1, 'the first progress edit, before the grid, got 429');
    const limitedAt = (h.fake.rateLimited[0] as { at: number }).at;

    // While Slack still rate limits progress edits: a vote, the requester's ✅, the round's and
    // the status's milestone edits, the video upload.
    await h.react(USERS.bob, 'two', grid.ts);
    await h.waitForVotes(prompt, { [USERS.bob]: 2 });
    await h.react(USERS.alice, 'white_check_mark', grid.ts);
    const result = await h.waitForMessage(
      (m) => m.threadTs === request.ts && m.text.startsWith(`🎬 "${prompt}"`),
      'the video',
    );
    assert.equal(result.fileIds.length, 2, 'the MP4 and its GIF');
    const status = await statusStartingWith(request, '✅');
    assert.match(grid.text, /closed: frame 2 wins, confirmed by alice/, 'the round was edited');
    assert.ok(
      status.history.includes(`🎞️ "${prompt}": animating frame 2…`),
      `the animating milestone was shown: ${JSON.stringify(status.history)}`,
    );
    assert.ok(!status.history.some((text) => PROGRESS.test(text)), 'no progress edit landed');
    const lastUpload = h.fake.callsTo('files.completeUploadExternal').at(-1)?.at ?? Infinity;
    assert.ok(lastUpload < limitedAt + 600_000, 'the upload did not wait for Retry-After');
  } finally {
    h.fake.rateLimit('chat.update', undefined);
  }
  await h.service.runner.idle();
  // Dropped, not retried; and none sent while Retry-After runs (both jobs reported progress).
  assert.equal(h.fake.callsTo('chat.update').filter((call) => isProgress(call.args)).length, 1);
  const dropped = h.logs.filter((line) => line.msg === 'dropped a rate-limited progress edit');
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0]?.retryAfterSeconds, 600);
});

test('a 429 on the video upload is waited out (Retry-After) and retried: the whole video is posted and counted', async () => {
  const prompt = 'a green triangle rate limited once';
  const method = 'files.completeUploadExternal';
  const { request, used } = await closeRound(prompt, () =>
    h.fake.rateLimit(method, { retryAfter: 1, times: 1 }),
  );
  const result = await h.waitForMessage(
    (m) => m.threadTs === request.ts && m.text.startsWith(`🎬 "${prompt}"`),
    'the video',
  );
  assert.equal(result.fileIds.length, 2, 'the message as written (MP4 and GIF), not a lighter one');
  const limited = h.fake.rateLimited.find((call) => call.method === method);
  assert.ok(limited, 'the upload got a 429');
  const retried = h.fake.callsTo(method).find((call) => call.at > limited.at);
  assert.ok(retried && retried.at - limited.at >= 1000, 'tried again only after Retry-After');
  await statusStartingWith(request, '✅');
  assert.equal(await h.usedQuota(), used, 'kept (committed), not refunded');
});

test('a video upload Slack rate limits every time: failed, refunded, and the channel is told why', async () => {
  const prompt = 'a blue square always rate limited';
  const method = 'files.completeUploadExternal';
  const before = h.fake.rateLimited.length;
  const { request, used } = await closeRound(prompt, () =>
    h.fake.rateLimit(method, { retryAfter: 1 }),
  );
  try {
    // Three deliveries, each one waiting out Retry-After twice: about 9 s.
    const status = await statusStartingWith(request, '❌', 60_000);
    assert.equal(
      status.text,
      `❌ "${prompt}" failed: the video could not be posted (Slack asked me to slow down; try again in a minute). Your quota was refunded.`,
    );
    assert.ok(!status.history.some((text) => /posted below/.test(text)));
  } finally {
    h.fake.rateLimit(method, undefined);
  }
  assert.equal(h.fake.rateLimited.length - before, 6, 'three deliveries, each retried once');
  assert.ok(!h.fake.messages.some((m) => m.text.startsWith(`🎬 "${prompt}"`)));
  assert.equal(await h.usedQuota(), used - 1, 'this one refunded, not committed');
});
