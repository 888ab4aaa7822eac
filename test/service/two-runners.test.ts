// Two bot processes in one test process: two BotServices (each with its own Prisma client,
// stores and BullMQ timer queue) over one PostgreSQL database and one Redis prefix, behind one
// chat platform (the web adapter) that hands each command and reaction to one of them at
// random, as a load balancer would. Votes race between the processes; the flow's
// compare-and-set saves decide. Shows: no vote lost or double-counted, each grid, video and
// quota commit exactly once, each vote deadline fired once (a cancelled one never); and two
// processes starting together carry on a generation left open once, not once each; a process
// starting while another posts the grid leaves the post to it (post leases on Redis); and a
// job's outcome is handled in every process, performed once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PrismaFlowStore } from '../../src/adapters/prisma/prisma-flow-store.js';
import { PrismaQuotaStore } from '../../src/adapters/prisma/prisma-quota.js';
import { PrismaChannelSettings } from '../../src/adapters/prisma/prisma-settings.js';
import { PrismaSubjects } from '../../src/adapters/prisma/prisma-subjects.js';
import type { OutgoingMessage } from '../../src/bots/chat-adapter.js';
import { WebChatAdapter, type WebMessage } from '../../src/bots/web/web-adapter.js';
import { quotaKeyOf } from '../../src/core/contract.js';
import {
  candidatesJob,
  DEFAULT_FLOW_CONFIG,
  type GenerationState,
  reduce,
  startGeneration,
} from '../../src/core/flow/index.js';
import { createClient, type Db, migrateDatabase } from '../../src/db/index.js';
import { LocalJobs } from '../../src/dev/local-jobs.js';
import { FFMPEG_PATH } from '../../src/engine/video.js';
import { RedisPostLeases } from '../../src/queue/post-leases.js';
import { TimerQueue } from '../../src/queue/timer-queue.js';
import { BotService } from '../../src/service/bot-service.js';
import { systemClock } from '../../src/service/clock.js';
import type { JobResult } from '../../src/service/ports.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { silentLog } from '../helpers/silent-log.js';
import { dropPrefix, SHARED_REDIS_URL, waitFor } from '../queue/helpers.js';
import { LIMITS } from './service-harness.js';

const WINDOW_MS = 4_000;
const VOTERS = ['bob', 'carol', 'frank', 'gina', 'hank'];
const EMOJI = ['1️⃣', '2️⃣', '3️⃣', '4️⃣'];

interface BotProcess {
  name: string;
  db: Db;
  service: BotService;
  timers: TimerQueue;
  /** Quota keys this process committed. */
  commits: string[];
  /** Deadlines this process was handed, as `<generationId> <round>`. */
  fired: string[];
  /** Saves this process lost to the other one (it reduced again on the newer state). */
  lost: number;
  /** Job completions (frames drawn, video made) handed to this process's flow. */
  completions: number;
  /** Saves of this process that applied a completion (the states those events lead to). */
  applied: number;
  /** Post leases taken (true) or found held elsewhere (false), when it has them. */
  leases: boolean[];
  close(): Promise<void>;
}

const dir = mkdtempSync(path.join(tmpdir(), 'ff-two-'));
const prefix = `ff-two-${randomUUID()}`;
const adapter = new WebChatAdapter({ admins: [] });
const jobs = new LocalJobs({
  artifactDir: path.join(dir, 'artifacts'),
  ffmpegPath: FFMPEG_PATH,
  stepDelayMs: 1,
});
/** Every message the bots posted (the chat platform's side), in order. */
const posts: OutgoingMessage[] = [];
/** Awaited before each post reaches the platform (a test holds one there). */
let beforePost: ((message: OutgoingMessage) => Promise<void>) | undefined;
const processes: BotProcess[] = [];
/** Which process each command and reaction went to. */
const routed = { a: 0, b: 0 };
let database: TestDatabase;

async function startProcess(name: string, withLeases = false): Promise<BotProcess> {
  const db = createClient(database.target);
  const leases = withLeases
    ? new RedisPostLeases({ connection: { url: SHARED_REDIS_URL }, prefix, leaseMs: 1_000 })
    : undefined;
  const subjects = new PrismaSubjects(db);
  const store = new PrismaFlowStore(db, subjects);
  const quota = new PrismaQuotaStore(db, subjects, LIMITS);
  const timers = new TimerQueue({ connection: { url: SHARED_REDIS_URL }, prefix });
  const service = new BotService({
    store,
    quota,
    audit: quota,
    settings: new PrismaChannelSettings(db, subjects),
    queue: jobs,
    clock: systemClock,
    timers,
    ...(leases ? { leases } : {}),
    adapters: [adapter],
    log: silentLog,
    flow: { voteWindowMs: WINDOW_MS, progressEditIntervalMs: 0 },
  });
  let closed = false;
  const process: BotProcess = {
    name,
    db,
    service,
    timers,
    commits: [],
    fired: [],
    lost: 0,
    completions: 0,
    applied: 0,
    leases: [],
    close: async () => {
      if (closed) return;
      closed = true;
      await service.runner.stop();
      await timers.close();
      await leases?.close();
      await db.$disconnect();
    },
  };
  if (leases) {
    const take = leases.take.bind(leases);
    leases.take = async (generationId, key) => {
      const lease = await take(generationId, key);
      process.leases.push(typeof lease !== 'number');
      return lease;
    };
  }
  // Recorded on the way through to the real stores and runner.
  const save = store.saveGeneration.bind(store);
  store.saveGeneration = async (state, version) => {
    const won = await save(state, version);
    if (!won) process.lost += 1;
    if (won && appliesCompletion(state)) process.applied += 1;
    return won;
  };
  const dispatch = service.runner.dispatch.bind(service.runner);
  service.runner.dispatch = (generationId, event) => {
    if (event.type === 'candidatesReady' || event.type === 'animationReady') {
      process.completions += 1;
    }
    return dispatch(generationId, event);
  };
  const commit = quota.commit.bind(quota);
  quota.commit = async (key) => {
    process.commits.push(key);
    await commit(key);
  };
  const fireTimer = service.runner.fireTimer.bind(service.runner);
  service.runner.fireTimer = async (generationId, round) => {
    process.fired.push(`${generationId} ${round}`);
    await fireTimer(generationId, round);
  };
  await service.runner.start(); // the chat platform is started once, below, for both
  return process;
}

/** The state a completion leads to: frames drawn, grid not yet posted; or the video made, not
 * yet posted. */
function appliesCompletion(state: GenerationState): boolean {
  const round = state.rounds.at(-1);
  if (state.phase === 'animating') return !!state.result && !state.messages.result;
  return (
    state.phase === 'voting' && !!round?.candidates && !state.messages[`round:${round.number}`]
  );
}

function pick(): BotProcess {
  const chosen = processes[Math.random() < 0.5 ? 0 : 1] as BotProcess;
  routed[chosen.name as 'a' | 'b'] += 1;
  return chosen;
}

before(async () => {
  database = await createTestDatabase('postgresql');
  await migrateDatabase(database.target);
  processes.push(await startProcess('a'), await startProcess('b'));
  const post = adapter.post.bind(adapter);
  adapter.post = async (channelId, message) => {
    await beforePost?.(message);
    posts.push(message);
    return post(channelId, message);
  };
  await adapter.start({
    command: (command) => pick().service.onCommand(adapter, command),
    reaction: (reaction) => pick().service.onReaction(adapter, reaction),
  });
});

after(async () => {
  jobs.stop();
  for (const process of processes) await process.close();
  await database?.drop();
  await dropPrefix(SHARED_REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
});

/** The grid of a round of the request, once its vote is open (the bot's reactions are on). */
function openGrid(request: WebMessage, round: number, prompt: string): Promise<WebMessage> {
  return waitFor(
    `round ${round} of "${prompt}"`,
    () =>
      adapter
        .history(request.author.name)
        .find(
          (m) =>
            m.replyTo === request.id &&
            m.text.startsWith(`🗳️ Round ${round} for "${prompt}"`) &&
            m.reactions.some((r) => r.emoji === '✅'),
        ),
    30_000,
  );
}

/** Each voter picks a frame, then changes their mind; each reaction to a random process. */
async function vote(grid: WebMessage): Promise<number[]> {
  const finals = VOTERS.map(() => 1 + Math.floor(Math.random() * 4));
  await Promise.all(
    VOTERS.map(async (voter, i) => {
      const final = finals[i] as number;
      const first = 1 + ((final + Math.floor(Math.random() * 3)) % 4); // another frame
      await adapter.toggleReaction(voter, grid.id, EMOJI[first - 1] as string);
      await adapter.toggleReaction(voter, grid.id, EMOJI[final - 1] as string);
    }),
  );
  const counts = [0, 0, 0, 0];
  for (const final of finals) counts[final - 1] = (counts[final - 1] as number) + 1;
  return counts;
}

test(
  'two bot processes, events at random: every vote counted once, every effect and deadline once',
  { timeout: 120_000 },
  async (t) => {
    const prompts = [
      'a red circle moving left',
      'a blue square moving right',
      'a green triangle moving up',
    ];
    const requesters = ['alice', 'dave', 'erin'];
    const requests = await Promise.all(
      prompts.map((prompt, i) =>
        adapter.submit(requesters[i] as string, `/video ${prompt} --seed ${10 + i} --steps 1`),
      ),
    );
    const expected = await Promise.all(
      prompts.map(async (prompt, i) => {
        const request = requests[i] as WebMessage;
        let grid = await openGrid(request, 1, prompt);
        let round = 1;
        if (i === 0) {
          // The requester asks for new frames at once: round 1 closes before its deadline.
          await adapter.toggleReaction(request.author.name, grid.id, '🔄');
          round = 2;
          grid = await openGrid(request, 2, prompt);
        }
        return { prompt, request, round, counts: await vote(grid) };
      }),
    );

    for (const { prompt, request, round, counts } of expected) {
      const result = await waitFor(
        `the video of "${prompt}"`,
        () => adapter.history(request.author.name).find((m) => m.text.startsWith(`🎬 "${prompt}"`)),
        30_000,
      );
      const votes = `votes: ${counts.map((n, i) => `${EMOJI[i]} ${n}`).join(' · ')} · 🔄 0;`;
      assert.ok(result.text.includes(votes), `${result.text}\nexpected ${votes}`);
      assert.ok(result.text.includes(`of round ${round};`), result.text);
    }
    for (const process of processes) await process.service.runner.idle();

    // Each grid, video and status posted once.
    for (const { prompt, round } of expected) {
      const of = (start: string) => posts.filter((p) => p.text.startsWith(start)).length;
      for (let n = 1; n <= round; n += 1) {
        assert.equal(of(`🗳️ Round ${n} for "${prompt}"`), 1, `grid ${n} of "${prompt}"`);
      }
      assert.equal(of(`🗳️ Round ${round + 1} for "${prompt}"`), 0);
      assert.equal(of(`🎬 "${prompt}"`), 1, `video of "${prompt}"`);
      assert.equal(of(`⏳ "${prompt}"`), 1, `status of "${prompt}"`);
    }

    // The saved votes are the voters' last choices, once each.
    const db = processes[0]!.db;
    const saved = await db.generation.findMany({
      where: { status: 'succeeded' },
      include: { rounds: { include: { votes: { include: { user: true } } } } },
    });
    assert.equal(saved.length, 3);
    const idOf = new Map(saved.map((g) => [g.prompt, g.id]));
    for (const { prompt, round, counts } of expected) {
      const rounds = saved.find((g) => g.prompt === prompt)!.rounds;
      const votes = rounds.find((r) => r.number === round)!.votes;
      assert.deepEqual(
        votes.map((v) => v.user.externalId).sort(),
        [...VOTERS].sort(),
        'one vote per voter',
      );
      const tally = [1, 2, 3, 4].map((n) => votes.filter((v) => v.choice === n).length);
      assert.deepEqual(tally, counts);
    }

    // Every reservation committed once in all; each deadline fired once, round 1 of the
    // regenerated generation (closed by 🔄) never.
    const commits = processes.flatMap((p) => p.commits).sort();
    assert.deepEqual(commits, [...idOf.values()].sort(), 'each generation charged once');
    const ledger = await db.quotaLedgerEntry.findMany({ where: { kind: 'job' } });
    assert.deepEqual(
      ledger.map((entry) => entry.state),
      ['committed', 'committed', 'committed'],
    );
    const fired = processes.flatMap((p) => p.fired).sort();
    const deadlines = expected.map(({ prompt, round }) => `${idOf.get(prompt)} ${round}`).sort();
    assert.deepEqual(fired, deadlines, 'each deadline once');
    // Both processes took part.
    assert.ok(routed.a > 0 && routed.b > 0, JSON.stringify(routed));
    const lost = processes.map((p) => p.lost);
    t.diagnostic(
      `events routed ${JSON.stringify(routed)}; saves lost to the other process ${lost}`,
    );
    // Each job's completion reached both processes; one save applied it (the other found it
    // applied: nothing saved, nothing performed).
    const made = expected.reduce((sum, { round }) => sum + round + 1, 0); // grids + videos
    const [a, b] = processes as [BotProcess, BotProcess];
    assert.deepEqual([a.completions, b.completions], [made, made], 'each process got each one');
    assert.equal(a.applied + b.applied, made, 'each completion applied once');
    t.diagnostic(
      `${made} completions: handled ${a.completions + b.completions} times, applied by ${a.applied} + ${b.applied} saves`,
    );
  },
);

/**
 * A generation left open by processes that stopped: its frames drawn, its grid not posted (its
 * quota reserved, its state saved as the flow left it).
 */
async function leftWithGridToPost(user: string, prompt: string) {
  const db = processes[0]!.db;
  const subjects = new PrismaSubjects(db);
  const request = {
    id: randomUUID(),
    platform: 'local',
    workspaceId: 'local',
    channelId: 'playground',
    requester: { id: user, name: user },
    settings: { prompt, seed: 5, steps: 1 },
  };
  const quota = new PrismaQuotaStore(db, subjects, LIMITS);
  assert.ok(
    (await quota.reserve(quotaKeyOf(request.id), { ...request, userId: user }, Date.now())).ok,
  );
  const started = startGeneration(request, Date.now());
  const round = started.state.rounds[0]!;
  const drawn = new Promise<JobResult>((resolve) => {
    const stop = jobs.subscribe((event) => {
      if (event.jobId === round.jobId && event.type === 'completed') {
        stop();
        resolve(event.result);
      }
    });
  });
  await jobs.enqueue(candidatesJob(started.state, round));
  const frames = await drawn;
  assert.equal(frames.kind, 'candidates');
  if (frames.kind !== 'candidates') throw new Error('no frames');
  const ready = reduce(
    started.state,
    {
      type: 'candidatesReady',
      now: Date.now(),
      jobId: round.jobId,
      images: frames.images,
      grid: frames.grid,
    },
    DEFAULT_FLOW_CONFIG,
  );
  assert.deepEqual(
    ready.effects.map((e) => e.type),
    ['post'],
    'the grid, still to post',
  );
  assert.equal(await new PrismaFlowStore(db, subjects).saveGeneration(ready.state, null), true);
  return request;
}

/**
 * Waits for the video of `prompt` (nobody voted: frame 1 when the deadline passed); then its
 * grid and video were posted once, its deadline fired once, its reservation committed once.
 */
async function assertDoneOnce(prompt: string, generationId: string, timeoutMs = 30_000) {
  const result = await waitFor(
    `the video of "${prompt}"`,
    () => posts.find((p) => p.text.startsWith(`🎬 "${prompt}"`)),
    timeoutMs,
  );
  assert.match(result.text, /frame 1 of round 1; votes: 1️⃣ 0/);
  for (const process of processes) await process.service.runner.idle();
  const of = (start: string) => posts.filter((p) => p.text.startsWith(start)).length;
  assert.equal(of(`🗳️ Round 1 for "${prompt}"`), 1, 'the grid posted once');
  assert.equal(of(`🎬 "${prompt}"`), 1, 'the video posted once');
  const fired = processes.flatMap((p) => p.fired).filter((f) => f.startsWith(generationId));
  assert.deepEqual(fired, [`${generationId} 1`], 'the deadline once');
  const commits = processes.flatMap((p) => p.commits).filter((key) => key === generationId);
  assert.deepEqual(commits, [generationId], 'charged once');
}

test(
  'two processes starting together carry on an open generation once: one grid, one deadline, one video',
  { timeout: 90_000 },
  async () => {
    const request = await leftWithGridToPost('ivan', 'a yellow star moving down');

    const [c, d] = await Promise.all([startProcess('c'), startProcess('d')]);
    processes.push(c!, d!);
    const prompt = request.settings.prompt;

    // `/info` in a process that never saw this generation lists its open round.
    await waitFor('the vote open', () =>
      adapter.history('ivan').some((m) => m.text.startsWith(`🗳️ Round 1 for "${prompt}"`)),
    );
    await processes[0]!.service.onCommand(adapter, {
      workspaceId: 'local',
      channelId: 'playground',
      user: { id: 'zoe', name: 'zoe' },
      text: '/info',
    });
    const info = posts.findLast((p) => p.visibleTo === 'zoe');
    assert.match(
      info?.text ?? '',
      /open rounds here \(1\):\n {2}– "a yellow star moving down" by ivan: round 1/,
    );
    await assertDoneOnce(prompt, request.id);
  },
);

test(
  'a process starting while another posts the grid leaves the post to it (post lease): one grid',
  { timeout: 90_000 },
  async () => {
    const user = 'judy';
    const prompt = 'a white circle moving up';
    const request = await leftWithGridToPost(user, prompt);
    const isGrid = (message: OutgoingMessage) =>
      message.text.startsWith(`🗳️ Round 1 for "${prompt}"`);
    // The first process to post the grid is held at the platform until the second has started.
    let held: () => void = () => {};
    let holding: () => void = () => {};
    const atPlatform = new Promise<void>((resolve) => (holding = resolve));
    const release = new Promise<void>((resolve) => (held = resolve));
    let attempts = 0;
    beforePost = async (message) => {
      if (!isGrid(message) || (attempts += 1) > 1) return;
      holding();
      await release;
    };
    try {
      const e = await startProcess('e', true);
      processes.push(e);
      await atPlatform;
      const f = await startProcess('f', true);
      processes.push(f);
      // f resumed the generation, found e's lease and looks again once it runs out: e renews it
      // while its post runs, so f finds it held again.
      await waitFor('f to find the lease held twice', () =>
        f.leases.filter((taken) => !taken).length >= 2 ? true : undefined,
      );
      held();
      await assertDoneOnce(prompt, request.id);
      assert.equal(attempts, 1, 'the grid posted once (by e)');
      assert.deepEqual(e.leases.slice(0, 1), [true], 'e took the lease on the grid');
    } finally {
      held();
      beforePost = undefined;
    }
  },
);

test(
  "a job's outcome reaches the flow when the process that queued it is gone: grid and video once",
  { timeout: 90_000 },
  async () => {
    // A long job ahead in the queue holds the frames back until the process that queues them
    // has stopped (its id is no generation's: the flow ignores its events).
    await jobs.enqueue({
      jobId: 'hold-the-queue',
      kind: 'candidates',
      generationId: 'hold-the-queue',
      prompt: 'a queue held',
      round: 1,
      seeds: [1, 2, 3, 4],
      steps: 3_000,
    });
    const g = await startProcess('g');
    processes.push(g);
    const prompt = 'a black square moving left';
    await g.service.onCommand(adapter, {
      workspaceId: 'local',
      channelId: 'playground',
      user: { id: 'kim', name: 'kim' },
      text: `/video ${prompt} --seed 3 --steps 1`,
    });
    const queued = (await jobs.overview()).jobs.find(
      (job) => job.generationId !== 'hold-the-queue',
    );
    assert.equal(queued?.state, 'waiting', 'the frames are still to draw when g stops');
    await g.close();

    await assertDoneOnce(prompt, queued?.generationId as string, 60_000);
    assert.equal(g.completions, 0, 'g was gone');
  },
);
