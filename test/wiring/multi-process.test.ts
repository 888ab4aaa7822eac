// The deployment of issue 32 as real OS processes on the real services: two `npm run slack`
// bot processes serving one Slack HTTP endpoint (this test is the load balancer: each signed
// request goes to a live one at random), two `npm run worker` processes with the tiny model,
// one PostgreSQL database, the shared Redis (a prefix of its own) and a local S3 server for the
// artifacts; Slack is the wire-level fake. 30 /video requests from 10 channels, three voters on
// each grid, each reaction to a random process; one bot process is killed with SIGKILL when a
// third of the grids are out, the other carries on alone, then it is started again (as a
// supervisor would). Shows: every grid and video posted exactly once, every vote saved once as
// cast, every generation charged once (its reservation committed), every deadline fired once.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { createClient, type Db, migrateDatabase } from '../../src/db/index.js';
import { TIMER_QUEUE_NAME } from '../../src/queue/timer-queue.js';
import { TINY_MODEL_DIR } from '../../src/wiring/model.js';
import { type BinProcess, startBin } from '../helpers/bin-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';
import { dropPrefix, SHARED_REDIS_URL, waitFor } from '../queue/helpers.js';
import { FakeSlack, type FakeMessage } from '../bots/slack/fake-slack.js';
import { reactionEventBody, sendSigned, slashCommandBody } from '../bots/slack/signed-requests.js';

const SECRET = 'multi-process-signing-secret';
const TOKEN = 'xoxb-multi';
const TEAM = 'T0MULTI';
const BOT_USER = 'U0BOT';
const CHANNELS = Array.from({ length: 10 }, (_, i) => `C0CHAN${i}`);
const REQUESTERS = CHANNELS.map((_, i) => ({ id: `U0ASK${i}`, name: `asker${i}` }));
const VOTERS = ['U0VOTE1', 'U0VOTE2', 'U0VOTE3'];
const CHOICES = ['one', 'two', 'three', 'four'];
const GENERATIONS = 30;
/** Of the grids out, when the bot process is killed. */
const KILL_AFTER_GRIDS = 10;
/** The last requests, sent once the killed process runs again (the first of them to it). */
const AFTER_RESTART = 3;
const PROMPTS = ['a red circle', 'a blue square', 'a green triangle', 'a yellow diamond'];

const dir = mkdtempSync(path.join(tmpdir(), 'ff-multi-'));
const prefix = `ff-multi-${randomUUID()}`;
let database: TestDatabase;
let s3: TestS3Server;
let fake: FakeSlack;
let db: Db;

interface Bot {
  name: string;
  run: BinProcess;
  url: string;
  /** Takes requests (the load balancer's view). */
  live: boolean;
  /** Signed requests sent to it: commands and reactions. */
  sent: number;
  inFlight: Set<Promise<unknown>>;
}

const bots: Bot[] = [];
const workers: BinProcess[] = [];

function settings(name: string): Record<string, string> {
  return {
    DATABASE_URL: database.target.url,
    REDIS_URL: SHARED_REDIS_URL,
    QUEUE_PREFIX: prefix,
    ...s3.env('multi'),
    DATA_DIR: path.join(dir, name),
    MODEL_DIR: TINY_MODEL_DIR,
    ENGINE_THREADS: '1',
    LOG_LEVEL: 'warn',
  };
}

async function startBot(name: string): Promise<Bot> {
  const run = startBin('slack', {
    ...settings(name),
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: fake.apiUrl,
    VOTE_WINDOW_SECONDS: '10',
  });
  const match = await waitFor(
    `bot ${name} to listen`,
    () => {
      if (run.child.exitCode !== null) throw new Error(`bot ${name} exited:\n${run.output()}`);
      return /listening on (http:\/\/\S+\/slack\/events)/.exec(run.output()) ?? undefined;
    },
    90_000,
  );
  const bot: Bot = { name, run, url: match[1]!, live: true, sent: 0, inFlight: new Set() };
  bots.push(bot);
  return bot;
}

async function startWorker(name: string): Promise<void> {
  const run = startBin('worker', { ...settings(name), WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info' });
  workers.push(run);
  await waitFor(
    `worker ${name} to be ready`,
    () => {
      if (run.child.exitCode !== null) throw new Error(`worker ${name} exited:\n${run.output()}`);
      return /worker ready/.test(run.output());
    },
    90_000,
  );
}

/** A signed request to a live bot process at random (the load balancer), or to `to`. */
async function send(body: string, contentType: string, to?: Bot): Promise<void> {
  const live = bots.filter((bot) => bot.live);
  const bot = to ?? live[Math.floor(Math.random() * live.length)]!;
  bot.sent += 1;
  const request = sendSigned(bot.url, body, contentType, { secret: SECRET });
  bot.inFlight.add(request);
  try {
    const response = await request;
    assert.equal(response.status, 200, `${bot.name} answered ${response.status}`);
  } finally {
    bot.inFlight.delete(request);
  }
}

let events = 0;
function react(userId: string, reaction: string, channelId: string, ts: string): Promise<void> {
  events += 1;
  const body = reactionEventBody({
    eventId: `Ev${String(events).padStart(8, '0')}`,
    added: true,
    userId,
    reaction,
    channelId,
    ts,
    teamId: TEAM,
  });
  return send(body, 'application/json');
}

before(async () => {
  database = await createTestDatabase('postgresql');
  await migrateDatabase(database.target); // once, before the processes open it together
  db = createClient(database.target);
  s3 = await startS3Server();
  fake = await new FakeSlack({
    token: TOKEN,
    teamId: TEAM,
    botUserId: BOT_USER,
    channels: CHANNELS,
    users: [
      { id: BOT_USER, name: 'firstframe', isBot: true },
      ...REQUESTERS,
      ...VOTERS.map((id) => ({ id, name: id.toLowerCase() })),
    ],
  }).start();
  await Promise.all([startWorker('worker-1'), startWorker('worker-2')]);
  await Promise.all([startBot('bot-a'), startBot('bot-b')]);
});

after(async () => {
  const running = [...bots.map((bot) => bot.run), ...workers].filter(
    (run) => run.child.exitCode === null && run.child.signalCode === null,
  );
  for (const run of running) run.child.kill('SIGTERM');
  await Promise.all(running.map((run) => run.exited));
  await db?.$disconnect();
  await fake?.stop();
  await s3?.close();
  await database?.drop();
  await dropPrefix(SHARED_REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
});

interface Asked {
  text: string;
  channel: string;
  request: FakeMessage;
  grid: FakeMessage;
  /** Each voter's choice (1-4). */
  votes: Map<string, number>;
}

/** The local ports of a process's open connections to `port` (its calls to the fake). */
function connectionsOf(pid: number, port: string): Set<number> {
  const lines = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${port} )`], {
    encoding: 'utf8',
  }).split('\n');
  const mine = lines.filter((line) => line.includes(`pid=${pid},`));
  return new Set(mine.map((line) => Number(/:(\d+)\s+\S+:\d+\s/.exec(line)?.[1])));
}

/** What a message said when posted (its text before any edit). */
const said = (m: FakeMessage) => m.history[0] ?? m.text;

/** The Web API calls that post a message (text, or a file shared in a message). */
const POSTS = ['chat.postMessage', 'files.completeUploadExternal'];

/**
 * Whether everything that reached Slack is saved: the grids posted (their rounds know their
 * messages), the videos posted (their generations done and charged), and the votes `cast`
 * as `<grid ts> <voter> <choice>` (a reaction is acknowledged before it is handled, and Slack
 * does not send an acknowledged one again).
 */
async function settled(cast: ReadonlySet<string>): Promise<boolean> {
  const grids = fake.messages.filter((m) => said(m).startsWith('🗳️') && m.fileIds.length > 0);
  const videos = fake.messages.filter((m) => said(m).startsWith('🎬') && m.threadTs);
  const [rounds, done, committed, votes] = await Promise.all([
    db.round.count({ where: { messageId: { in: grids.map((m) => m.ts) } } }),
    db.generation.count({ where: { status: 'succeeded' } }),
    db.quotaLedgerEntry.count({ where: { state: 'committed' } }),
    db.vote.findMany({ include: { round: true, user: true } }),
  ]);
  const saved = new Set(votes.map((v) => `${v.round.messageId} ${v.user.externalId} ${v.choice}`));
  return (
    rounds === grids.length &&
    done === videos.length &&
    committed === done &&
    [...cast].every((vote) => saved.has(vote))
  );
}

const found = (what: string, check: () => FakeMessage | undefined) => waitFor(what, check, 150_000);

/** The messages in a request's thread that started with `start` (before any edit). */
const inThread = (request: FakeMessage, start: string) =>
  fake.messages.filter((m) => m.threadTs === request.ts && said(m).startsWith(start));

test(
  '2 bot processes (one killed with SIGKILL mid-way), 2 workers, PostgreSQL, S3: 30 videos, each posted, voted, charged and closed once',
  { timeout: 300_000 },
  async (t) => {
    t.after(() => {
      // What the processes said, for a failure (their warnings and errors).
      for (const [i, run] of [...bots.map((bot) => bot.run), ...workers].entries()) {
        const said = run.output().trim();
        if (said && !passed) t.diagnostic(`process ${i}:\n${said.slice(-4000)}`);
      }
    });
    const started = Date.now();
    let passed = false;
    let grids = 0;
    let killed: Promise<void> | undefined;
    const videosPosted = () =>
      fake.messages.filter((m) => said(m).startsWith('🎬') && m.threadTs).length;

    /**
     * Kills bot-b in the middle of its work (its grids and videos being posted, deadlines and
     * job outcomes being handled), but not between a post that reached Slack and saving that
     * it did: no process can tell then whether it was posted, and a restart posts it again (at
     * least once; Slack's API has no idempotency key). So the posts are held in the network
     * (at the fake) while the posts already made, the votes taken and the charges of the
     * videos out are saved; the ones bot-b has in flight never reach Slack.
     */
    const killMidWay = async (asked: Asked[]): Promise<void> => {
      const victim = bots.find((bot) => bot.name === 'bot-b')!;
      victim.live = false;
      await Promise.allSettled([...victim.inFlight]);
      const releases = POSTS.map((method) => fake.hold(method));
      try {
        const cast = new Set(
          asked.flatMap((a) => [...a.votes].map(([voter, n]) => `${a.grid.ts} ${voter} ${n}`)),
        );
        await waitFor('what reached Slack saved', () => settled(cast), 60_000);
        const ports = connectionsOf(victim.run.child.pid!, new URL(fake.apiUrl).port);
        victim.run.child.kill('SIGKILL');
        await victim.run.exited;
        // Released only once the fake has seen the dead process's held calls closed.
        await waitFor('its held calls closed', () => fake.heldOpenFrom(ports) === 0);
      } finally {
        for (const release of releases) release();
      }
      const before = videosPosted();
      t.diagnostic(`bot-b killed after ${Date.now() - started} ms, ${before} videos out`);
      // bot-a carries on alone: job outcomes, deadlines and votes reach it.
      await waitFor('a video posted by bot-a alone', () => videosPosted() > before, 120_000);
      await startBot('bot-b2');
    };

    const asked: Asked[] = [];
    const ask = async (i: number): Promise<Asked> => {
      const channel = CHANNELS[i % CHANNELS.length]!;
      const requester = REQUESTERS[i % REQUESTERS.length]!;
      const text = `${PROMPTS[i % PROMPTS.length]} --seed ${100 + i} --steps 1`;
      // The last few wait for the restart, so that the restarted process takes requests too
      // (a fast run could otherwise send everything before it is up).
      const last = i >= GENERATIONS - AFTER_RESTART;
      if (last) await waitFor('bot-b killed', () => (killed ? true : undefined), 150_000);
      if (last) await killed;
      const restarted = bots.find((bot) => bot.name === 'bot-b2');
      await send(
        slashCommandBody({
          command: '/video',
          text,
          userId: requester.id,
          userName: requester.name,
          channelId: channel,
          teamId: TEAM,
          responseUrl: fake.responseUrl(`r${i}`),
        }),
        'application/x-www-form-urlencoded',
        i === GENERATIONS - AFTER_RESTART ? restarted : undefined,
      );
      const request = await found(`request ${i} in ${channel}`, () =>
        fake.messages.find(
          (m) => m.channel === channel && m.text === `<@${requester.id}>: /video ${text}`,
        ),
      );
      const grid = await found(`the grid of request ${i}`, () =>
        fake.messages.find(
          (m) => m.threadTs === request.ts && m.fileIds.length > 0 && said(m).startsWith('🗳️'),
        ),
      );
      // The vote is open once the grid's message is saved with its round (a reaction before
      // that is on no generation's grid yet; people take longer than this test to react).
      await waitFor(
        `the vote on request ${i} open`,
        async () => (await db.round.count({ where: { messageId: grid.ts } })) === 1,
        60_000,
      ).catch(async (error: Error) => {
        const rounds = await db.round.findMany({
          where: { generation: { requestMessageId: request.ts } },
        });
        const thread = fake.messages.filter((m) => m.threadTs === request.ts);
        error.message += `\nthread: ${JSON.stringify(thread.map((m) => [m.ts, m.text.slice(0, 30), m.fileIds]))}\nrounds: ${JSON.stringify(rounds)}`;
        throw error;
      });
      const entry: Asked = { text, channel, request, grid, votes: new Map() };
      asked.push(entry);
      for (const voter of VOTERS) entry.votes.set(voter, 1 + Math.floor(Math.random() * 4));
      await Promise.all(
        VOTERS.map((voter) =>
          react(voter, CHOICES[entry.votes.get(voter)! - 1]!, channel, grid.ts),
        ),
      );
      grids += 1;
      if (grids === KILL_AFTER_GRIDS) killed = killMidWay(asked);
      return entry;
    };

    const all = await Promise.all(Array.from({ length: GENERATIONS }, (_, i) => ask(i)));
    await waitFor('bot-b killed and started again', () => (killed ? true : undefined));
    await killed;
    const videos = await Promise.all(
      all.map((a, i) => found(`the video of request ${i}`, () => inThread(a.request, '🎬')[0])),
    );
    t.diagnostic(`30 videos in ${Date.now() - started} ms`);

    // Every grid and video posted once (the fake keeps every message it was sent).
    for (const [i, a] of all.entries()) {
      assert.equal(inThread(a.request, '🗳️').length, 1, `one grid for request ${i}`);
      assert.equal(inThread(a.request, '🎬').length, 1, `one video for request ${i}`);
      const file = fake.files.get(videos[i]!.fileIds[0]!);
      assert.match(file?.filename ?? '', /\.mp4$/, `request ${i}: the video uploaded`);
    }

    // Every vote saved once, as cast; every generation done (saved after its video is out).
    await waitFor(
      'every generation saved done and charged',
      async () =>
        (await db.generation.count({ where: { status: 'succeeded' } })) === GENERATIONS &&
        (await db.quotaLedgerEntry.count({ where: { state: 'committed' } })) === GENERATIONS,
      60_000,
    );
    const generations = await db.generation.findMany({
      include: { rounds: { include: { votes: { include: { user: true } } } } },
    });
    assert.equal(generations.length, GENERATIONS);
    for (const a of all) {
      const generation = generations.find((g) => g.rounds.some((r) => r.messageId === a.grid.ts));
      assert.ok(generation, `the generation of ${a.text}`);
      assert.equal(generation.status, 'succeeded', a.text);
      const votes = generation.rounds[0]!.votes;
      assert.deepEqual(
        Object.fromEntries(votes.map((v) => [v.user.externalId, v.choice])),
        Object.fromEntries(a.votes),
        `the votes on ${a.text}`,
      );
    }

    // Every generation charged once: one reservation each, committed.
    const ledger = await db.quotaLedgerEntry.findMany();
    assert.deepEqual(
      ledger.map((entry) => entry.key).sort(),
      generations.map((g) => g.id).sort(),
      'one ledger entry per generation',
    );
    assert.ok(
      ledger.every((entry) => entry.state === 'committed'),
      JSON.stringify(ledger.map((e) => e.state)),
    );

    // Every deadline fired once: one deadline job per generation, done, none failed or waiting.
    const timers = new Queue(TIMER_QUEUE_NAME, { connection: { url: SHARED_REDIS_URL }, prefix });
    try {
      const done = await timers.getJobs(['completed'], 0, -1);
      assert.deepEqual(
        done.map((job) => job.id).sort(),
        generations.map((g) => `deadline-${g.id}-r1`).sort(),
      );
      const counts = await timers.getJobCounts('failed', 'delayed', 'wait', 'active');
      assert.deepEqual(counts, { failed: 0, delayed: 0, wait: 0, active: 0 });
    } finally {
      await timers.close();
    }

    // Requests reached every bot process, the restarted one too.
    const sent = Object.fromEntries(bots.map((bot) => [bot.name, bot.sent]));
    assert.ok(
      bots.every((bot) => bot.sent > 0),
      JSON.stringify(sent),
    );
    t.diagnostic(`signed requests per process ${JSON.stringify(sent)}`);
    passed = true;
  },
);
