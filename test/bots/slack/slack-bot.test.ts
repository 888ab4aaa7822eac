// The Slack bot end to end over real HTTP: signed slash commands and Events API callbacks go
// to the running Bolt app; its Web API calls (messages, reactions, the files.uploadV2 flow,
// users.info) are answered by a local fake Slack; the bot service runs for real.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../../helpers/manual-clock.js';
import { slackSignature } from './signed-requests.js';
import { BOT, SlackHarness, TEAM, USERS } from './slack-harness.js';
import { auditEntries } from '../../helpers/audit.js';

const PNG = '89504e470d0a1a0a';
let h: SlackHarness;

before(async () => {
  h = await new SlackHarness().start();
});

after(async () => {
  await h.cleanup();
});

test('a full /video round: ack, progress by chat.update, grid upload with reactions, two voters, video in the thread', async () => {
  const prompt = 'a red circle moving left';
  const { request, grid } = await h.startVideo(prompt, '--seed 7 --steps 3');

  assert.equal(request.threadTs, undefined, 'the request starts a thread');
  assert.match(grid.text, /^🗳️ Round 1 for "a red circle moving left": vote for the first frame/);
  const gridFile = h.fake.files.get(grid.fileIds[0] as string);
  assert.equal(gridFile?.data?.subarray(0, 8).toString('hex'), PNG, 'the grid is a PNG');
  assert.deepEqual(
    h.fake.reactions.filter((r) => r.ts === grid.ts).map((r) => `${r.user}:${r.name}`),
    [
      'one',
      'two',
      'three',
      'four',
      'arrows_counterclockwise',
      'twisted_rightwards_arrows',
      'white_check_mark',
    ].map((name) => `${BOT}:${name}`),
  );
  // Once the vote is open, the grid names its closing time in Slack's date markup (each reader
  // sees their own time zone), with a UTC fallback; the prompt's own text stays escaped.
  const closesAt = h.clock.now() + 60_000;
  const fallback = `${new Date(closesAt).toISOString().slice(11, 19)} UTC`;
  const markup = `at <!date^${Math.floor(closesAt / 1000)}^{time_secs}|${fallback}>`;
  await waitFor(() => grid.text.includes(markup), 'the closing time on the grid');
  assert.match(grid.history[0] ?? '', /Voting closes in 60 s;/, 'posted before the window');
  assert.ok(grid.text.includes(`Voting closes ${markup}; alice can close it`), grid.text);
  const uploadSteps = h.fake.calls
    .map((call) => call.method)
    .filter((method) => method.startsWith('files.'));
  assert.deepEqual(uploadSteps.slice(0, 3), [
    'files.getUploadURLExternal',
    'files.completeUploadExternal',
    'files.info',
  ]);

  // Slack also reports the bot's own reactions; they never count.
  await h.react(BOT, 'one', grid.ts);
  await h.react(USERS.bob, 'three', grid.ts);
  await h.react(USERS.carol, 'three', grid.ts);
  await h.react(USERS.alice, 'one', grid.ts);
  await h.react(USERS.bob, 'thumbsup', grid.ts);
  await h.waitForVotes(prompt, { [USERS.bob]: 3, [USERS.carol]: 3, [USERS.alice]: 1 });

  h.clock.advance(60_000);
  const result = await h.waitForMessage(
    (m) => m.threadTs === request.ts && m.text.startsWith('🎬'),
    'the video in the thread of the request',
  );
  assert.equal(
    result.text,
    `🎬 "a red circle moving left" for alice: seed 9, frame 3 of round 1; votes: 1️⃣ 1 · 2️⃣ 0 · 3️⃣ 2 · 4️⃣ 0 · 🔄 0; cost: 1 video of alice's quota. ⏩ to continue it.`,
  );
  const [mp4, gif] = result.fileIds.map((id) => h.fake.files.get(id));
  assert.equal(mp4?.data?.subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4 file');
  assert.match(mp4?.filename ?? '', /\.mp4$/);
  assert.equal(gif?.data?.subarray(0, 6).toString('latin1'), 'GIF89a', 'a GIF preview');

  // The status message in the thread went through the whole story by chat.update.
  await h.service.runner.idle();
  const status = h.fake.messages.find((m) => m.threadTs === request.ts && m.text.startsWith('✅'));
  assert.ok(status, 'the status message says done');
  assert.equal(status.text, '✅ "a red circle moving left": done, the video is posted below.');
  assert.equal(status.history[0], '⏳ "a red circle moving left": queued.');
  assert.ok(
    status.history.some((text) => /drawing 4 first frames… step \d\/3/.test(text)),
    `progress was shown: ${JSON.stringify(status.history)}`,
  );
  assert.ok(status.history.some((text) => /animating frame 3/.test(text)));

  const quota = await h.quota.status(
    { platform: 'slack', workspaceId: TEAM, userId: USERS.alice },
    h.clock.now(),
  );
  assert.equal(quota.user.daily.used, 1, 'the video counts once against alice');

  // After a restart, a late vote on the finished grid is still answered, to the voter alone.
  await h.restart();
  await h.react(USERS.erin, 'two', grid.ts);
  const note = await h.waitForMessage(
    (m) => m.visibleTo === USERS.erin && /is closed/.test(m.text),
    'the note to erin',
  );
  assert.equal(
    note.text,
    'Round 1 for "a red circle moving left" is closed (frame 3 won): your reaction does not count.',
  );
});

test('an Events API redelivery (X-Slack-Retry-Num) of a removal does not take back a later vote', async () => {
  const prompt = 'a blue square';
  const { request, grid } = await h.startVideo(prompt, '--seed 5 --steps 2');

  await h.react(USERS.bob, 'two', grid.ts);
  await h.waitForVotes(prompt, { [USERS.bob]: 2 });
  const removal = await h.react(USERS.bob, 'two', grid.ts, false);
  await h.waitForVotes(prompt, {});
  await h.react(USERS.bob, 'two', grid.ts);
  await h.waitForVotes(prompt, { [USERS.bob]: 2 });

  // Slack did not hear our 200 in time and sends the removal again.
  await h.react(USERS.bob, 'two', grid.ts, false, removal, 1);
  await waitFor(
    () =>
      h.logs.some((line) => line.msg === 'dropped a redelivered event' && line.eventId === removal),
    'the redelivery to be dropped',
  );
  await h.react(USERS.carol, 'four', grid.ts);
  await h.waitForVotes(prompt, { [USERS.bob]: 2, [USERS.carol]: 4 });

  h.clock.advance(60_000);
  const result = await h.waitForMessage(
    (m) => m.threadTs === request.ts && m.text.startsWith('🎬'),
    'the video',
  );
  assert.match(
    result.text,
    /frame 2 of round 1; votes: 1️⃣ 0 · 2️⃣ 1 · 3️⃣ 0 · 4️⃣ 1 · 🔄 0; cost: 1 video of alice's quota\. ⏩ to continue it\.$/,
  );
  await h.service.runner.idle();
});

test('a forged signature and a request older than 5 minutes are refused with 401, and nothing happens', async () => {
  const before = h.fake.calls.length;
  const forged = await h.command('bob', '/video', 'a forged request --seed 1', {
    signature: slackSignature('not-the-secret', Math.floor(Date.now() / 1000), 'x'),
  });
  assert.equal(forged.status, 401);

  const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
  const stale = await h.command('bob', '/video', 'a replayed request --seed 1', {
    timestamp: sixMinutesAgo,
  });
  assert.equal(stale.status, 401, 'a correctly signed but stale request');

  const unsigned = await fetch(h.eventsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(unsigned.status, 401);

  // A request correctly signed and fresh, sent after the refused ones, is taken and answered
  // (the refusals were about the signature). Once it is, anything the refused ones had set
  // off would have happened too.
  const fresh = await h.command('bob', '/video-quota', '');
  assert.equal(fresh.status, 200);
  await h.waitForAnswer(fresh.responseId, /bob/);
  const refused = /a forged request|a replayed request/;
  const since = h.fake.calls.slice(before);
  assert.ok(
    !since.some((call) => refused.test(JSON.stringify(call.args))),
    `no Web API call for the refused requests: ${JSON.stringify(since)}`,
  );
  assert.equal(h.answersTo(forged.responseId).length + h.answersTo(stale.responseId).length, 0);
});

test('admin quota commands: refused for a non-admin (nothing changes, audited), allowed for workspace admins and the configured list', async () => {
  const subject = { platform: 'slack', workspaceId: TEAM, userId: USERS.alice };
  const before = await h.quota.status(subject, h.clock.now());

  const refused = await h.command('bob', '/video-quota', `set <@${USERS.alice}|alice> daily 0`);
  assert.equal(refused.status, 200);
  assert.match(
    await h.waitForAnswer(refused.responseId, /admins/),
    /^Sorry, only workspace admins can use \/video-quota that way\.$/,
  );
  assert.deepEqual(await h.quota.status(subject, h.clock.now()), before, 'nothing changed');
  const denied = (await auditEntries(h.bot.db)).at(-1);
  assert.equal(denied?.actorId, USERS.bob);
  assert.equal(denied?.action, 'quota.set');
  assert.equal(denied?.target, `user:${USERS.alice}`);
  assert.equal(denied?.allowed, false);

  // dave is a workspace admin according to users.info.
  const granted = await h.command('dave', '/video-quota', `grant <@${USERS.alice}|alice> 3`);
  await h.waitForAnswer(granted.responseId, /^Done/);
  assert.equal((await h.quota.status(subject, h.clock.now())).granted, before.granted + 3);

  // erin is no workspace admin, but on the app's own admin list.
  const set = await h.command('erin', '/video-quota', `set <@${USERS.alice}> daily 2`);
  await h.waitForAnswer(set.responseId, /^Done/);
  assert.equal((await h.quota.status(subject, h.clock.now())).user.daily.limit, 2);
  const queue = await h.command('erin', '/video-queue', '');
  await h.waitForAnswer(queue.responseId, /waiting/i);

  assert.deepEqual(
    (await auditEntries(h.bot.db))
      .slice(-4)
      .map((entry) => `${entry.actorName}:${entry.action}:${entry.allowed}`),
    ['bob:quota.set:false', 'dave:quota.grant:true', 'erin:quota.set:true', 'erin:queue.view:true'],
  );
});

test('/video-history, /video-quota, /video-info and /video-help words answer the user alone; bad input says what is allowed', async () => {
  const history = await h.command('alice', '/video-history', '');
  assert.match(await h.waitForAnswer(history.responseId, /red circle/), /a blue square/);

  const quota = await h.command('alice', '/video-quota', '');
  assert.match(await h.waitForAnswer(quota.responseId, /alice/), /2/);

  const info = await h.command('alice', '/video-info', '');
  assert.match(await h.waitForAnswer(info.responseId, /^Info for alice:/), /quota: today/);
  assert.deepEqual(responseTypes(info.responseId), ['ephemeral'], 'answered to alice alone');

  // /help's topics are Slack's /video-help words (this bot runs the contract's limits: any words).
  const words = await h.command('alice', '/video-help', 'words');
  assert.match(await h.waitForAnswer(words.responseId, /model/), /takes any words/);
  assert.deepEqual(responseTypes(words.responseId), ['ephemeral']);

  const messagesBefore = h.fake.messages.length;
  const bad = await h.command('bob', '/video', '--steps 9999');
  assert.equal(bad.status, 200);
  assert.match(await h.waitForAnswer(bad.responseId, /Sorry/), /steps/);
  assert.equal(h.fake.messages.length, messagesBefore, 'a bad /video is not repeated publicly');
  assert.deepEqual(responseTypes(bad.responseId), ['ephemeral'], 'answered to bob alone');
});

/** How each answer to a command's response URL was sent (`ephemeral` or `in_channel`). */
function responseTypes(responseId: string): unknown[] {
  return h.fake.responses.filter((r) => r.id === responseId).map((r) => r.body.response_type);
}

test('a /video over the quota is answered to the requester alone: no public message, nothing charged', async () => {
  const limit = await h.command('erin', '/video-quota', `set <@${USERS.carol}> daily 0`);
  await h.waitForAnswer(limit.responseId, /^Done/);
  const postsBefore = h.fake.callsTo('chat.postMessage').length;
  const refused = await h.command('carol', '/video', 'a yellow star over the limit --seed 4');
  const answer = await h.waitForAnswer(refused.responseId, /Sorry/);
  assert.match(answer, /^Sorry, I can't do that: Your daily limit of 0 videos is used up\./);
  assert.deepEqual(responseTypes(refused.responseId), ['ephemeral']);
  // The refusal is the last thing the service does with the command: any public echo is earlier.
  assert.equal(h.fake.callsTo('chat.postMessage').length, postsBefore, 'no public echo');
  assert.ok(!h.fake.messages.some((m) => m.text.includes('a yellow star over the limit')));
  const quota = await h.quota.status(
    { platform: 'slack', workspaceId: TEAM, userId: USERS.carol },
    h.clock.now(),
  );
  assert.equal(quota.user.daily.used, 0, 'nothing reserved');
});

test('a /video in a channel the bot is not in asks to invite it', async () => {
  const { responseId } = await h.command('alice', '/video', 'a green line --seed 2', {
    channelId: 'C0ELSEWHERE',
  });
  assert.match(await h.waitForAnswer(responseId, /invite me/), /\/invite @firstframe/);
  // The reservation is given back right after the answer: wait for it (a kept one stays at 3).
  const used = async () =>
    (
      await h.quota.status(
        { platform: 'slack', workspaceId: TEAM, userId: USERS.alice },
        h.clock.now(),
      )
    ).user.daily.used;
  const deadline = Date.now() + 20_000;
  let now = await used();
  while (now !== 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    now = await used();
  }
  assert.equal(now, 2, 'no quota was taken for it');
});
