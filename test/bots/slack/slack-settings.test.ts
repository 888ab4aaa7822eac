// /video-settings on Slack over signed HTTP: a non-admin is refused (audited, nothing stored), a
// workspace admin changes the channel's defaults, /video-settings show tells them from the
// defaults, a /video there takes the channel's steps, guidance and vote window, and a restart
// keeps the generation's own window and round limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FlowJob } from '../../../src/core/flow/index.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { auditEntries } from '../../helpers/audit.js';
import { CHANNEL, SlackHarness, TEAM, USERS } from './slack-harness.js';

let h: SlackHarness;
const channel = { platform: 'slack', workspaceId: TEAM, channelId: CHANNEL };

before(async () => {
  h = await new SlackHarness().start();
});

after(async () => {
  await h.cleanup();
});

test('a non-admin is refused, told what is open to everyone; nothing stored; audited', async () => {
  const refused = await h.command('bob', '/video-settings', 'set steps 3');
  assert.equal(
    await h.waitForAnswer(refused.responseId, /admins/),
    "Sorry, only workspace admins can use /video-settings that way. Everyone can see this channel's settings with /video-settings show.",
  );
  assert.deepEqual(await h.bot.deps.settings.get(channel), {});
  assert.deepEqual((await auditEntries(h.bot.db)).at(-1), {
    actorId: USERS.bob,
    actorName: 'bob',
    action: 'settings.set',
    target: `channel:${CHANNEL}`,
    allowed: false,
  });
});

test("a workspace admin sets the channel's defaults; show tells them from the defaults", async () => {
  const set = await h.command(
    'dave',
    '/video-settings',
    'set vote-window 2m steps 2 guidance 6 max-rounds 1',
  );
  assert.equal(
    await h.waitForAnswer(set.responseId, /^Done/),
    'Done: vote-window set to 2m, steps set to 2, guidance set to 6, max-rounds set to 1 in this channel, from the next /video on.',
  );
  assert.equal((await auditEntries(h.bot.db)).at(-1)?.allowed, true);
  const bad = await h.command('dave', '/video-settings', 'set vote-windw 2m');
  assert.match(
    await h.waitForAnswer(bad.responseId, /unknown/),
    /unknown setting "vote-windw" \(did you mean vote-window\?/,
  );
  const show = await h.command('alice', '/video-settings', 'show');
  const report = await h.waitForAnswer(show.responseId, /Settings in this channel/);
  assert.match(report, /• vote-window: 2m \(set here\)/);
  assert.match(report, /• extend: anyone \(default\)/);
  assert.match(report, /• max-rounds: 1 \(set here\)/);
});

test("a /video takes the channel's steps, guidance and window; a restart keeps the window and rounds", async () => {
  const jobs: FlowJob[] = [];
  const enqueue = h.bot.jobs.enqueue.bind(h.bot.jobs);
  h.bot.jobs.enqueue = (job) => {
    jobs.push(job);
    return enqueue(job);
  };
  const prompt = 'a blue square moving up';
  const { grid } = await h.startVideo(prompt, '--seed 11 --guidance 3');
  assert.deepEqual(
    jobs.map((job) => [job.kind, job.steps, job.guidance]),
    [['candidates', 2, 3]],
    "the channel's steps; the request's own guidance",
  );
  const closesAt = Math.floor((h.clock.now() + 120_000) / 1000);
  await waitFor(() => grid.text.includes(`<!date^${closesAt}^`), 'the 2 min closing time');
  assert.match(grid.history[0] ?? '', /Voting closes in 120 s;/, 'posted before the window');

  const reset = await h.command('dave', '/video-settings', 'reset');
  await h.waitForAnswer(reset.responseId, /^Done: every setting/);
  await h.restart();
  assert.deepEqual((await h.generation(prompt))?.flow, { voteWindowMs: 120_000, maxRounds: 1 });
  await h.react(USERS.alice, 'arrows_counterclockwise', grid.ts);
  await h.waitForMessage(
    (m) => /No more new frames for this video \(at most 1 round\)/.test(m.text),
    'the round limit the generation started with',
  );
});
