// Flow benchmark: `npx tsx bench/flow.ts [--rounds n]` (PostgreSQL on BENCH_POSTGRES_URL or
// TEST_POSTGRES_URL or the local server, trust auth, user postgres; a database of its own,
// dropped afterwards).
// Reactions (votes) through the flow runner's compare-and-set path: G open generations, V voters
// each, every reaction sent at once, handled by one bot service, or by two (two Prisma clients
// and runners over the same database, each reaction to one of them at random) in this one Node
// process. Per round (one, two, alternating): events per second, the time from a reaction to
// its vote being saved (p50, p99), and the saves lost to the other runner (redone).
// What it does not measure: two OS processes (both runners share this process's CPU), chat or
// job round trips (the reactions produce no effects).
import { randomUUID } from 'node:crypto';
import { PrismaFlowStore } from '../src/adapters/prisma/prisma-flow-store.js';
import { PrismaQuotaStore } from '../src/adapters/prisma/prisma-quota.js';
import { PrismaChannelSettings } from '../src/adapters/prisma/prisma-settings.js';
import { PrismaSubjects } from '../src/adapters/prisma/prisma-subjects.js';
import { WebChatAdapter } from '../src/bots/web/web-adapter.js';
import { DEFAULT_FLOW_CONFIG, reduce, startGeneration } from '../src/core/flow/index.js';
import { createClient, type Db, migrateDatabase } from '../src/db/index.js';
import { LocalJobs } from '../src/dev/local-jobs.js';
import { BotService } from '../src/service/bot-service.js';
import { systemClock } from '../src/service/clock.js';
import { createTestDatabase } from '../test/helpers/databases.js';
import { silentLog } from '../test/helpers/silent-log.js';

if (process.env.BENCH_POSTGRES_URL) process.env.TEST_POSTGRES_URL = process.env.BENCH_POSTGRES_URL;
const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? 10);
const VOTERS = Number(process.env.BENCH_VOTERS ?? 20);
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
const LIMITS = { user: { daily: null, monthly: null }, workspace: { daily: null, monthly: null } };
const config = { ...DEFAULT_FLOW_CONFIG, voteWindowMs: 3_600_000 };

interface Runner {
  db: Db;
  service: BotService;
  lost: number;
}

function runnerOn(db: Db, adapter: WebChatAdapter, jobs: LocalJobs): Runner {
  const subjects = new PrismaSubjects(db);
  const store = new PrismaFlowStore(db, subjects);
  const quota = new PrismaQuotaStore(db, subjects, LIMITS);
  const service = new BotService({
    store,
    quota,
    audit: quota,
    settings: new PrismaChannelSettings(db, subjects),
    queue: jobs,
    clock: systemClock,
    adapters: [adapter],
    log: silentLog,
    flow: config,
  });
  const runner: Runner = { db, service, lost: 0 };
  const save = store.saveGeneration.bind(store);
  store.saveGeneration = async (state, version) => {
    const won = await save(state, version);
    if (!won) runner.lost += 1;
    return won;
  };
  return runner;
}

/** G generations with their grids posted and the vote open, saved; their grid message ids. */
async function openGenerations(store: PrismaFlowStore): Promise<Map<string, string>> {
  const grids = new Map<string, string>();
  for (let g = 0; g < GENERATIONS; g += 1) {
    const id = randomUUID();
    const now = Date.now();
    let { state } = startGeneration(
      {
        id,
        platform: 'local',
        workspaceId: 'local',
        channelId: 'playground',
        requester: { id: 'req', name: 'req' },
        settings: { prompt: 'a red circle', seed: g },
      },
      now,
    );
    const round = state.rounds[0]!;
    const images = [1, 2, 3, 4].map((i) => `/bench/${id}-${i}.png`);
    for (const event of [
      { type: 'candidatesReady', now, jobId: round.jobId, images, grid: `/bench/${id}.png` },
      { type: 'messagePosted', now, key: 'round:1', messageId: `grid-${id}` },
    ] as const) {
      state = reduce(state, event, config).state;
    }
    await store.saveGeneration(state, null);
    grids.set(id, `grid-${id}`);
  }
  return grids;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function round(runners: Runner[], setupStore: PrismaFlowStore) {
  const grids = await openGenerations(setupStore);
  for (const runner of runners) runner.lost = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    [...grids].flatMap(([generationId, messageId]) =>
      Array.from({ length: VOTERS }, async (_, v) => {
        const runner = runners[Math.floor(Math.random() * runners.length)]!;
        const sent = performance.now();
        await runner.service.runner.dispatch(generationId, {
          type: 'reaction',
          messageId,
          user: { id: `voter-${v}`, name: `voter-${v}` },
          fromBot: false,
          emoji: ['1️⃣', '2️⃣', '3️⃣', '4️⃣'][v % 4]!,
          added: true,
        });
        latencies.push(performance.now() - sent);
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  // Every vote is there, once.
  const saved = await setupStore.loadGeneration([...grids.keys()][0]!);
  const votes = Object.keys(saved?.state.rounds[0]?.votes ?? {}).length;
  if (votes !== VOTERS) throw new Error(`${votes} votes saved of ${VOTERS}`);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    eventsPerSecond: (GENERATIONS * VOTERS) / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    lost: runners.reduce((sum, runner) => sum + runner.lost, 0),
  };
}

const database = await createTestDatabase('postgresql');
const adapter = new WebChatAdapter({ admins: [] });
const jobs = new LocalJobs({ artifactDir: '/nonexistent', ffmpegPath: 'ffmpeg' });
const clients: Db[] = [];
try {
  await migrateDatabase(database.target);
  const client = () => {
    const db = createClient(database.target);
    clients.push(db);
    return db;
  };
  const setupDb = client();
  const setupStore = new PrismaFlowStore(setupDb, new PrismaSubjects(setupDb));
  const one = [runnerOn(client(), adapter, jobs)];
  const two = [runnerOn(client(), adapter, jobs), runnerOn(client(), adapter, jobs)];
  for (const runner of [...one, ...two]) await runner.service.runner.start();
  await round(one, setupStore); // warm-up: connections, prepared statements
  await round(two, setupStore);
  console.log(
    `${GENERATIONS} generations x ${VOTERS} voters, all reactions at once; ${ROUNDS} rounds`,
  );
  console.log('round | runners | events/s | reaction to saved p50 / p99 (ms) | saves lost');
  const results = { one: [] as number[], two: [] as number[], ratio: [] as number[] };
  for (let r = 1; r <= ROUNDS; r += 1) {
    const a = await round(one, setupStore);
    const b = await round(two, setupStore);
    for (const [name, m] of [
      ['1', a],
      ['2', b],
    ] as const) {
      console.log(
        `${r} | ${name} | ${m.eventsPerSecond.toFixed(0)} | ${m.p50.toFixed(1)} / ${m.p99.toFixed(1)} | ${m.lost}`,
      );
    }
    results.one.push(a.eventsPerSecond);
    results.two.push(b.eventsPerSecond);
    results.ratio.push(b.eventsPerSecond / a.eventsPerSecond);
  }
  const minMedian = (values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y);
    return `${sorted[0]!.toFixed(2)} / ${percentile(sorted, 50).toFixed(2)}`;
  };
  console.log(`events/s, one runner (min / median): ${minMedian(results.one)}`);
  console.log(`events/s, two runners (min / median): ${minMedian(results.two)}`);
  console.log(`ratio two / one (min / median): ${minMedian(results.ratio)}`);
  for (const runner of [...one, ...two]) await runner.service.runner.stop();
} finally {
  for (const db of clients) await db.$disconnect();
  await database.drop();
}
