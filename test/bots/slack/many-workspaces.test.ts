// Slack in many workspaces, on the real stack (PostgreSQL): two workspaces install the app
// through OAuth (/slack/install → Slack's consent → /slack/oauth_redirect with the code, which
// the fake Slack trades for the team's token), their installations are stored sealed, and each
// workspace's /video and votes are served with that workspace's own token, in its own channel.
// Uninstalling removes the installation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SlackChatAdapter } from '../../../src/bots/slack/index.js';
import { ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import { chatPlatformAdapters } from '../../../src/wiring/chat-platforms.js';
import { silentLog } from '../../helpers/silent-log.js';
import { StackHarness, waitFor } from '../../wiring/stack-harness.js';
import { FakeSlack, type FakeInstall } from './fake-slack.js';
import { sendSigned, slashCommandBody } from './signed-requests.js';

const SECRET = 'many-workspaces-signing-secret';
const TEAMS: FakeInstall[] = ['A', 'B'].map((letter) => ({
  teamId: `T0TEAM${letter}`,
  teamName: `Team ${letter}`,
  token: `xoxb-team-${letter.toLowerCase()}-token`,
  botUserId: `U0BOT${letter}`,
  channels: [`C0VIDEOS${letter}`],
  code: `oauth-code-${letter.toLowerCase()}`,
}));
const [teamA, teamB] = TEAMS as [FakeInstall, FakeInstall];
const ALICE = 'U0ALICE';

const fake = new FakeSlack({
  // The single-workspace token: never used in this mode.
  token: 'xoxb-unused',
  teamId: 'T0UNUSED',
  botUserId: 'U0UNUSED',
  channels: [],
  users: [
    { id: ALICE, name: 'alice' },
    ...TEAMS.map((t) => ({ id: t.botUserId, name: 'firstframe', isBot: true })),
  ],
  clientId: '111.222',
  clientSecret: 'oauth-client-secret',
  installs: TEAMS,
});
let product: StackHarness;
let adapter: SlackChatAdapter;
let events = 0;

before(async () => {
  await fake.start();
  const settings = {
    SLACK_CLIENT_ID: '111.222',
    SLACK_CLIENT_SECRET: 'oauth-client-secret',
    SLACK_STATE_SECRET: 'state-secret-for-the-test',
    SLACK_TOKEN_KEY: 'a-test-key-of-at-least-thirty-two-characters',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: fake.apiUrl,
  };
  product = new StackHarness('postgresql', {}, settings);
  await product
    .withPlatforms((config) => {
      adapter = chatPlatformAdapters(config, silentLog)[0] as SlackChatAdapter;
      return [adapter];
    })
    .start();
});

after(async () => {
  await product?.cleanup();
  await fake.stop();
});

const appUrl = (path: string) => `${adapter.url}${path}`;

/** A workspace admin installs the app: the install page, Slack's consent, the redirect back. */
async function install(team: FakeInstall): Promise<Response> {
  const start = await fetch(appUrl('/slack/install'), { redirect: 'manual' });
  assert.equal(start.status, 302, 'sent to Slack');
  const consent = new URL(start.headers.get('location') ?? '');
  assert.equal(consent.origin + consent.pathname, 'https://slack.com/oauth/v2/authorize');
  assert.equal(consent.searchParams.get('client_id'), '111.222');
  assert.match(consent.searchParams.get('scope') ?? '', /chat:write/);
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
  const state = consent.searchParams.get('state') ?? '';
  const back = `/slack/oauth_redirect?code=${team.code}&state=${encodeURIComponent(state)}`;
  return fetch(appUrl(back), { headers: { cookie }, redirect: 'manual' });
}

async function command(team: FakeInstall, text: string): Promise<number> {
  const body = slashCommandBody({
    command: '/video',
    text,
    userId: ALICE,
    userName: 'alice',
    channelId: team.channels[0]!,
    teamId: team.teamId,
    responseUrl: fake.responseUrl(`r-${team.teamId}`),
  });
  const response = await sendSigned(
    appUrl('/slack/events'),
    body,
    'application/x-www-form-urlencoded',
    { secret: SECRET },
  );
  return response.status;
}

async function event(team: FakeInstall, body: Record<string, unknown>): Promise<number> {
  events += 1;
  const payload = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: team.teamId,
    api_app_id: 'A0TEST',
    type: 'event_callback',
    event_id: `EvMany${events}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { team_id: team.teamId, user_id: team.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    ...body,
  });
  const response = await sendSigned(appUrl('/slack/events'), payload, 'application/json', {
    secret: SECRET,
  });
  return response.status;
}

const sealedRows = () => product.stack.db.slackInstallation.findMany({ orderBy: { id: 'asc' } });

test(
  'two workspaces install the app through OAuth; their tokens are stored sealed',
  { timeout: 60_000 },
  async () => {
    for (const team of TEAMS) {
      const done = await install(team);
      assert.equal(done.status, 200, await done.text());
    }
    assert.deepEqual([...fake.installed.keys()].sort(), [teamA.teamId, teamB.teamId]);
    const rows = await sealedRows();
    assert.deepEqual(
      rows.map((row) => row.id),
      [teamA.teamId, teamB.teamId],
    );
    for (const row of rows) {
      assert.doesNotMatch(row.sealed, /xoxb-/, 'no token in the clear');
    }
    // A code is good once: a replayed redirect installs nothing more.
    const replay = await install(teamA);
    assert.notEqual(replay.status, 200);
  },
);

test(
  'each workspace is served with its own token, in its own channel',
  { timeout: 120_000 },
  async () => {
    for (const team of TEAMS) {
      assert.equal(
        await command(team, `a red circle --seed ${team === teamA ? 1 : 2} --steps 2`),
        200,
      );
    }
    for (const team of TEAMS) {
      const channel = team.channels[0]!;
      const grid = await waitFor(
        `the grid in ${team.teamName}`,
        () => fake.messages.find((m) => m.channel === channel && m.fileIds.length > 0),
        60_000,
      );
      await waitFor(
        `the bot's reactions in ${team.teamName}`,
        () =>
          fake.reactions.filter((r) => r.ts === grid.ts && r.user === team.botUserId).length ===
          ROUND_REACTIONS.length,
      );
    }
    // Every call that touched a channel used the token of the channel's own workspace.
    const touching = fake.calls.filter((call) =>
      ['chat.postMessage', 'reactions.add', 'files.completeUploadExternal'].includes(call.method),
    );
    assert.ok(touching.length >= 2 * 8, `${touching.length} calls`);
    for (const call of touching) {
      const channel = String(call.args.channel ?? call.args.channel_id);
      const owner = TEAMS.find((team) => team.channels.includes(channel));
      assert.equal(call.team, owner?.teamId, `${call.method} in ${channel}`);
    }
    // A vote in team B reaches team B's generation.
    const gridB = fake.messages.find(
      (m) => m.channel === teamB.channels[0] && m.fileIds.length > 0,
    )!;
    assert.equal(
      await event(teamB, {
        event: {
          type: 'reaction_added',
          user: ALICE,
          reaction: 'two',
          item: { type: 'message', channel: teamB.channels[0], ts: gridB.ts },
          item_user: teamB.botUserId,
          event_ts: `${Math.floor(Date.now() / 1000)}.000100`,
        },
      }),
      200,
    );
    await waitFor(
      'the vote in team B',
      async () => (await product.stack.db.vote.count()) === 1 || undefined,
    );
  },
);

test(
  'uninstalling removes the workspace’s installation; the other keeps working',
  { timeout: 60_000 },
  async () => {
    assert.equal(await event(teamA, { event: { type: 'app_uninstalled', event_ts: '1.2' } }), 200);
    await waitFor('team A forgotten', async () => {
      const rows = await sealedRows();
      return rows.length === 1 && rows[0]!.id === teamB.teamId;
    });
    fake.uninstall(teamA.teamId);
    const before = fake.messages.length;
    assert.equal(await command(teamB, 'a blue square --seed 3 --steps 2'), 200);
    await waitFor('team B still answered', () =>
      fake.messages.slice(before).some((m) => m.channel === teamB.channels[0]),
    );
  },
);
