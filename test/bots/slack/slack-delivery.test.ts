// Slack refusing the grid or the video upload (its `{ ok: false, error }` answers): the bot
// retries, then fails the generation, refunds and says why in words; never "posted" for a
// video that is not there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../../helpers/manual-clock.js';
import type { FakeMessage } from './fake-slack.js';
import { SlackHarness, USERS } from './slack-harness.js';

let h: SlackHarness;

before(async () => {
  h = await new SlackHarness('http', { deliveryRetryMs: 5 }).start();
});

after(async () => {
  await h.cleanup();
});

/** The status message in the request's thread once it says the generation failed. */
function failedStatus(request: FakeMessage): Promise<FakeMessage> {
  return h.waitForMessage(
    (m) => m.threadTs === request.ts && m.text.startsWith('❌'),
    'the status saying it failed',
  );
}

/**
 * A /video round with bob's vote, closed while Slack answers `method` with `error` (`times`
 * times); returns the request and the counts just before the refusals began.
 */
async function closeWhileRefusing(prompt: string, method: string, error: string, times?: number) {
  const { request, grid } = await h.startVideo(prompt, '--seed 7 --steps 2');
  await h.react(USERS.bob, 'one', grid.ts);
  await h.waitForVotes(prompt, { [USERS.bob]: 1 });
  const counts = { used: await h.usedQuota(), completions: completions() };
  h.fake.refuse(method, error, times);
  h.clock.advance(60_000);
  return { request, ...counts };
}

const completions = () =>
  h.fake.calls.filter((call) => call.method === 'files.completeUploadExternal').length;

test('a video upload Slack refuses (not_in_channel): not retried, failed, refunded, told to invite', async () => {
  const prompt = 'a red circle not posted';
  const { request, ...before } = await closeWhileRefusing(
    prompt,
    'files.completeUploadExternal',
    'not_in_channel',
  );
  try {
    const status = await failedStatus(request);
    assert.equal(
      status.text,
      `❌ "${prompt}" failed: the video could not be posted (I'm not in this channel: invite me with /invite). Your quota was refunded.`,
    );
    assert.ok(!status.history.some((text) => /posted below/.test(text)));
  } finally {
    h.fake.refuse('files.completeUploadExternal', undefined);
  }
  assert.equal(completions() - before.completions, 1, 'one try: a permanent refusal');
  assert.ok(!h.fake.messages.some((m) => m.text.startsWith(`🎬 "${prompt}"`)));
  assert.equal(await h.usedQuota(), 0, 'refunded, not committed');
});

test('a grid upload Slack refuses (file_uploads_disabled) opens no vote: failed and refunded', async () => {
  const prompt = 'a blue square grid refused';
  h.fake.refuse('files.getUploadURLExternal', 'file_uploads_disabled');
  try {
    await h.command('alice', '/video', `${prompt} --steps 2`);
    const request = await h.waitForMessage(
      (m) => m.text.includes(`/video ${prompt}`),
      'the request repeated in the channel',
    );
    const status = await failedStatus(request);
    assert.equal(
      status.text,
      `❌ "${prompt}" failed: the first frames could not be posted (file uploads are turned off in this workspace). Your quota was refunded.`,
    );
  } finally {
    h.fake.refuse('files.getUploadURLExternal', undefined);
  }
  assert.ok(!h.fake.messages.some((m) => m.text.includes(`Round 1 for "${prompt}"`)));
  assert.equal(await h.usedQuota(), 0);
});

test('an upload error Slack answers once is retried: the video is posted and counted', async () => {
  const prompt = 'a green triangle retried';
  const { request } = await closeWhileRefusing(
    prompt,
    'files.completeUploadExternal',
    'internal_error',
    1,
  );
  await h.waitForMessage(
    (m) => m.threadTs === request.ts && m.text.startsWith(`🎬 "${prompt}"`),
    'the video, second try',
  );
  await waitFor(
    () => h.fake.messages.find((m) => m.threadTs === request.ts && m.text.startsWith('✅')),
    'the status saying done',
  );
  assert.equal(await h.usedQuota(), 1, 'committed');
});

test('file bytes the upload URL refuses every time: "Slack did not take the file upload", refunded', async () => {
  const prompt = 'a white square bytes refused';
  const { request, used } = await closeWhileRefusing(prompt, 'upload', 'upload failed');
  try {
    const status = await failedStatus(request);
    assert.equal(
      status.text,
      `❌ "${prompt}" failed: the video could not be posted (Slack did not take the file upload). Your quota was refunded.`,
    );
  } finally {
    h.fake.refuse('upload', undefined);
  }
  assert.ok(!h.fake.messages.some((m) => m.text.startsWith(`🎬 "${prompt}"`)));
  assert.equal(await h.usedQuota(), used - 1, 'this one refunded, not committed');
});
