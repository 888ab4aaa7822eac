// Flow benchmark: `npx tsx bench/flow.ts [--rounds n] [--in-process]` (PostgreSQL on
// BENCH_POSTGRES_URL or TEST_POSTGRES_URL or the local server, trust auth, user postgres; a
// database of its own, dropped afterwards).
// Reactions (votes) through the flow runner's compare-and-set path: G open generations, V voters
// each, every reaction sent at once, handled by one bot process, or by two (each reaction to one
// of them at random), as a deployment's bot processes take them. Each bot process is an OS
// process (bench/flow-process.ts, driven over IPC); `--in-process` runs the services in this
// process instead. Per round (one, two, alternating): events per second, the time from a
// reaction to its vote being saved (p50, p99), and the saves lost to the other process (redone).
// What it does not measure: chat or job round trips (the reactions produce no effects).
import { randomUUID } from 'node:crypto';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PrismaFlowStore } from '../src/adapters/prisma/prisma-flow-store.js';
import { PrismaSubjects } from '../src/adapters/prisma/prisma-subjects.js';
import { reduce, startGeneration } from '../src/core/flow/index.js';
import { createClient, type Db, migrateDatabase } from '../src/db/index.js';
import { createTestDatabase } from '../test/helpers/databases.js';
import {
  BENCH_FLOW_CONFIG as config,
  localRunner,
  type BenchVote,
  type FlowRunnerHandle,
} from './flow-runner.js';

if (process.env.BENCH_POSTGRES_URL) process.env.TEST_POSTGRES_URL = process.env.BENCH_POSTGRES_URL;
const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? 10);
const VOTERS = Number(process.env.BENCH_VOTERS ?? 20);
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;

const IN_PROCESS = process.argv.includes('--in-process');

/** A bot process of its own (bench/flow-process.ts), driven over IPC. */
async function processRunner(url: string): Promise<FlowRunnerHandle> {
  const child = fork(fileURLToPath(new URL('./flow-process.ts', import.meta.url)), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    env: { ...process.env, BENCH_DATABASE_URL: url },
  });
  const waiting = new Map<number, (answer: { lost?: number }) => void>();
  let next = 0;
  const ready = new Promise<void>((resolve) => {
    child.on('message', (answer: { id?: number; ready?: true; lost?: number }) => {
      if (answer.ready) resolve();
      else if (answer.id !== undefined) waiting.get(answer.id)?.(answer);
      if (answer.id !== undefined) waiting.delete(answer.id);
    });
  });
  await ready;
  const ask = (request: { vote?: BenchVote; takeLost?: true }) =>
    new Promise<{ lost?: number }>((resolve) => {
      next += 1;
      waiting.set(next, resolve);
      child.send({ id: next, ...request });
    });
  return {
    vote: async (vote) => void (await ask({ vote })),
    takeLost: async () => (await ask({ takeLost: true })).lost ?? 0,
    stop: async () => {
      child.send({ stop: true });
      await once(child, 'exit');
    },
  };
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

async function round(runners: FlowRunnerHandle[], setupStore: PrismaFlowStore) {
  const grids = await openGenerations(setupStore);
  for (const runner of runners) await runner.takeLost();
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    [...grids].flatMap(([generationId, messageId]) =>
      Array.from({ length: VOTERS }, async (_, v) => {
        const runner = runners[Math.floor(Math.random() * runners.length)]!;
        const sent = performance.now();
        await runner.vote({ generationId, messageId, voter: v });
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
    lost: (await Promise.all(runners.map((runner) => runner.takeLost()))).reduce(
      (sum, count) => sum + count,
      0,
    ),
  };
}

const database = await createTestDatabase('postgresql');
const clients: Db[] = [];
const runners: FlowRunnerHandle[] = [];
try {
  await migrateDatabase(database.target);
  const client = () => {
    const db = createClient(database.target);
    clients.push(db);
    return db;
  };
  const setupDb = client();
  const setupStore = new PrismaFlowStore(setupDb, new PrismaSubjects(setupDb));
  const runner = async () => {
    const made = IN_PROCESS
      ? await localRunner(client())
      : await processRunner(database.target.url);
    runners.push(made);
    return made;
  };
  const one = [await runner()];
  const two = [await runner(), await runner()];
  await round(one, setupStore); // warm-up: connections, prepared statements
  await round(two, setupStore);
  const where = IN_PROCESS ? 'bot services in this process' : 'bot processes';
  console.log(
    `${GENERATIONS} generations x ${VOTERS} voters, all reactions at once; ${ROUNDS} rounds; ${where}`,
  );
  console.log('round | processes | events/s | reaction to saved p50 / p99 (ms) | saves lost');
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
  console.log(`events/s, one (min / median): ${minMedian(results.one)}`);
  console.log(`events/s, two (min / median): ${minMedian(results.two)}`);
  console.log(`ratio two / one (min / median): ${minMedian(results.ratio)}`);
} finally {
  for (const runner of runners) await runner.stop();
  for (const db of clients) await db.$disconnect();
  await database.drop();
}
