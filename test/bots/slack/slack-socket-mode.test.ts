// The same bot in Socket Mode: the app opens apps.connections.open with its app-level token,
// connects to the fake's WebSocket, and gets commands and events as envelopes it acknowledges.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../../helpers/manual-clock.js';
import { BOT, SlackHarness, TEAM, USERS } from './slack-harness.js';
import { auditEntries } from '../../helpers/audit.js';

let h: SlackHarness;

before(async () => {
  h = await new SlackHarness('socket').start();
  await h.fake.socketConnected();
});

after(async () => {
  await h.cleanup();
});

test('Socket Mode: connects with the app token, no HTTP endpoint', () => {
  assert.equal(h.adapter.url, undefined);
  assert.equal(h.fake.callsTo('apps.connections.open').length, 1);
});

test('Socket Mode: a /video round with two voters and a redelivered event, video in the thread', async () => {
  const prompt = 'a yellow triangle';
  const { request, grid } = await h.startVideo(prompt, '--seed 3 --steps 2');

  await h.react(BOT, 'two', grid.ts);
  const bobVote = await h.react(USERS.bob, 'four', grid.ts);
  await h.react(USERS.carol, 'four', grid.ts);
  await h.waitForVotes(prompt, { [USERS.bob]: 4, [USERS.carol]: 4 });
  await h.react(USERS.bob, 'four', grid.ts, true, bobVote, 1);
  await waitFor(
    () =>
      h.logs.some((line) => line.msg === 'dropped a redelivered event' && line.eventId === bobVote),
    'the redelivery to be dropped',
  );

  h.clock.advance(60_000);
  const result = await h.waitForMessage(
    (m) => m.threadTs === request.ts && m.text.startsWith('🎬'),
    'the video in the thread',
  );
  assert.match(
    result.text,
    /frame 4 of round 1; votes: 1️⃣ 0 · 2️⃣ 0 · 3️⃣ 0 · 4️⃣ 2 · 🔄 0; cost: 1 video of alice's quota\. ⏩ to continue it\.$/,
  );
  assert.equal(result.fileIds.length, 2, 'MP4 and GIF');
  await h.service.runner.idle();
});

test('Socket Mode: a non-admin admin command is refused and changes nothing', async () => {
  const subject = { platform: 'slack', workspaceId: TEAM, userId: USERS.alice };
  const before = await h.quota.status(subject, h.clock.now());
  const refused = await h.command('carol', '/video-quota', `reset <@${USERS.alice}>`);
  assert.equal(refused.status, 200);
  await h.waitForAnswer(refused.responseId, /only workspace admins/);
  assert.deepEqual(await h.quota.status(subject, h.clock.now()), before);
  assert.equal((await auditEntries(h.bot.db)).at(-1)?.allowed, false);
});
