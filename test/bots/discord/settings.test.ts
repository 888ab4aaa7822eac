// /settings on Discord through the real client: a member is refused a change (audited, nothing
// stored), a Manage Server member changes the channel's defaults (audited), /settings show
// says which are set, a /video there takes the channel's steps, guidance, vote window and round
// limit, and a restart keeps the generation's window and limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FlowJob } from '../../../src/core/flow/index.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { auditEntries } from '../../helpers/audit.js';
import { ADMIN_PERMISSIONS, type FakeInteraction, type FakeUser } from './fake/fake-discord.js';
import { DiscordHarness } from './harness.js';

const EPHEMERAL = 64;
let h: DiscordHarness;
let alice: FakeUser;
let bob: FakeUser;
let dana: FakeUser;
const jobs: FlowJob[] = [];

before(async () => {
  h = await new DiscordHarness().start();
  alice = h.fake.world.addUser('alice');
  bob = h.fake.world.addUser('bob');
  dana = h.fake.world.addUser('dana', ADMIN_PERMISSIONS);
});

after(async () => {
  await h?.cleanup();
});

/** Records every job on its way to the real in-process job runner. */
function recordJobs(): void {
  const enqueue = h.bot.jobs.enqueue.bind(h.bot.jobs);
  h.bot.jobs.enqueue = (job) => {
    jobs.push(job);
    return enqueue(job);
  };
}

function answerTo(interaction: FakeInteraction) {
  return waitFor(() => {
    const reply = h.fake.world.messages.get(interaction.originalMessageId ?? '');
    return reply && reply.content !== '' && reply;
  }, 'the answer');
}

const channel = () => ({
  platform: 'discord',
  workspaceId: h.fake.world.guildId,
  channelId: h.fake.world.channelId,
});

test('a member is refused a change, told what is open to them; nothing is stored; audited', async () => {
  const interaction = h.fake.command(bob, 'settings', {
    subcommand: 'set',
    values: { steps: 3 },
  });
  const answer = await answerTo(interaction);
  assert.equal(
    answer.content,
    "Sorry, only workspace admins can use /settings that way. Everyone can see this channel's settings with /settings show.",
  );
  assert.equal(answer.flags & EPHEMERAL, EPHEMERAL);
  assert.deepEqual(await h.bot.deps.settings.get(channel()), {});
  const entries = await auditEntries(h.bot.db);
  assert.deepEqual(entries.at(-1), {
    actorId: bob.id,
    actorName: 'bob',
    action: 'settings.set',
    target: `channel:${h.fake.world.channelId}`,
    allowed: false,
  });
});

test('a Manage Server member sets the defaults; /settings show tells set from default', async () => {
  const set = h.fake.command(dana, 'settings', {
    subcommand: 'set',
    values: { 'vote-window': '90s', steps: 3, guidance: 7.5, 'max-rounds': 1, extend: 'requester' },
  });
  assert.equal(
    (await answerTo(set)).content,
    'Done: vote-window set to 90s, steps set to 3, guidance set to 7.5, extend set to requester, max-rounds set to 1 in this channel, from the next /video on.',
  );
  assert.deepEqual((await auditEntries(h.bot.db)).at(-1)?.allowed, true);
  const show = await answerTo(h.fake.command(alice, 'settings', { subcommand: 'show' }));
  assert.match(show.content, /• vote-window: 90s \(set here\)/);
  assert.match(show.content, /• guidance: 7\.5 \(set here\)/);
  assert.match(show.content, /• fps: the model's own \(default\)/);
  assert.match(show.content, /• extend: requester \(set here\)/);
  assert.match(show.content, /• max-rounds: 1 \(set here\)/);
  const refused = await answerTo(
    h.fake.command(dana, 'settings', { subcommand: 'set', values: { 'vote-window': '5s' } }),
  );
  assert.match(refused.content, /vote-window must be from 10s to 10m/);
});

test("a /video takes the channel's steps, guidance, window and rounds; a restart keeps them", async () => {
  recordJobs();
  h.fake.command(alice, 'video', { values: { prompt: 'a red circle moving right', seed: 5 } });
  const round = await h.waitForMessage(/Round 1 for "a red circle moving right"/);
  const [job] = jobs;
  assert.deepEqual([job?.kind, job?.steps, job?.guidance], ['candidates', 3, 7.5]);
  const closesAt = Math.floor((h.clock.now() + 90_000) / 1000);
  await waitFor(() => round.content.includes(`<t:${closesAt}:R>`), 'the 90 s closing time');
  assert.match(round.contents[0] ?? '', /Voting closes in 90 s;/, 'posted before the window');

  // An admin's later change does not move a generation already running; a restart keeps its own.
  await answerTo(h.fake.command(dana, 'settings', { subcommand: 'reset' }));
  assert.deepEqual(await h.bot.deps.settings.get(channel()), {});
  await h.stop();
  await h.start();
  h.fake.react(alice, round, '🔄');
  const note = await h.waitForMessage(/No more new frames for this video \(at most 1 round\)/);
  assert.ok(note, 'the requester is told the round limit of the channel at the time');
  const [state] = await h.store.loadActiveGenerations();
  assert.deepEqual(state?.flow, { voteWindowMs: 90_000, maxRounds: 1 });
});
