// Queue benchmark: `npx tsx bench/queue.ts` (Redis on REDIS_URL or 127.0.0.1:6379; its own key
// prefix, removed afterwards).
// 1. Orchestration overhead per generation: one candidates job then one animation job, one
//    after the other, with an engine that answers at once; time from enqueue to the
//    `completed` event, in-process worker.
//    For reference, the same round trip through BullMQ alone (a no-op processor).
// 2. Throughput with 1 and 2 worker processes (concurrency 1 each): jobs per second for a
//    batch, with the instant engine and with an engine that takes 100 ms per job.
// The job store is the tests' SQLite one (a real file shared by the worker processes).
import { QueueEvents, Worker } from 'bullmq';
import { JobEvents } from '../src/queue/events.js';
import { startWorker } from '../src/queue/queue-worker.js';
import { silentLog } from '../test/helpers/silent-log.js';
import { createSetup, spawnWorker, startTestEngine, type Setup } from '../test/queue/helpers.js';

// The tests' engine, in its thread: one step of `delayMs` (0: it answers at once), so what is
// measured is the queue's own work (Redis, the engine thread hop, artifacts, the job store).
const engine = (setup: Setup, delayMs = 0) => ({ logDir: setup.logDir, stepMs: delayMs, steps: 1 });
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const GENERATIONS = Number(process.env.BENCH_GENERATIONS ?? 100);
const BATCH = Number(process.env.BENCH_BATCH ?? 300);

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function describe(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return `mean ${mean.toFixed(1)} ms, p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms`;
}

async function overheadPerGeneration() {
  const setup = createSetup({ redisUrl });
  const worker = await startWorker({
    connection: { url: redisUrl },
    prefix: setup.prefix,
    engine: await startTestEngine(engine(setup)),
    store: setup.store,
    artifacts: setup.artifacts,
    log: silentLog,
  });
  const events = new JobEvents({ connection: { url: redisUrl }, prefix: setup.prefix });
  await Promise.all([worker.ready(), events.ready()]);
  const done = (jobId: string) =>
    new Promise<void>((resolve) => {
      const listener = (event: { jobId: string }) => {
        if (event.jobId !== jobId) return;
        events.off('completed', listener);
        resolve();
      };
      events.on('completed', listener);
    });

  const candidates: number[] = [];
  const animations: number[] = [];
  for (let i = 0; i < GENERATIONS + 5; i++) {
    const generationId = `bench${i}`;
    let start = performance.now();
    const first = done(`candidates-${generationId}-r1`);
    await setup.producer.enqueueCandidates({
      generationId,
      round: 1,
      seeds: [1, 2, 3, 4],
      prompt: 'a red circle',
    });
    await first;
    const candidatesMs = performance.now() - start;
    start = performance.now();
    const second = done(`animation-${generationId}`);
    await setup.producer.enqueueAnimation({
      generationId,
      prompt: 'a red circle',
      imageKey: `generations/${generationId}/round-1/candidate-1.png`,
      seed: 1,
    });
    await second;
    if (i < 5) continue; // warm-up
    candidates.push(candidatesMs);
    animations.push(performance.now() - start);
  }
  await worker.close();
  await events.close();
  await setup.cleanup();
  const totals = candidates.map((ms, i) => ms + animations[i]!);
  console.log(`overhead, ${GENERATIONS} generations, instant engine, in-process worker:`);
  console.log(`  candidates job  enqueue -> completed: ${describe(candidates)}`);
  console.log(`  animation job   enqueue -> completed: ${describe(animations)}`);
  console.log(`  per generation (both jobs):           ${describe(totals)}`);
}

async function bullmqAlone() {
  const setup = createSetup({ redisUrl });
  const connection = { url: redisUrl };
  const queue = setup.producer.queues.candidates;
  const worker = new Worker(queue.name, async () => 'ok', { connection, prefix: setup.prefix });
  const events = new QueueEvents(queue.name, { connection, prefix: setup.prefix });
  await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
  const times: number[] = [];
  for (let i = 0; i < GENERATIONS + 5; i++) {
    const start = performance.now();
    const job = await queue.add('noop', { i });
    await job.waitUntilFinished(events);
    if (i >= 5) times.push(performance.now() - start);
  }
  await worker.close();
  await events.close();
  await setup.cleanup();
  console.log(`  reference, BullMQ alone (no-op processor), one job:  ${describe(times)}`);
}

async function throughput(processes: number, delayMs: number) {
  const setup: Setup = createSetup({ redisUrl });
  const config = setup.workerConfig({ engine: engine(setup, delayMs) });
  const workers = await Promise.all(Array.from({ length: processes }, () => spawnWorker(config)));
  const jobs = delayMs > 0 ? Math.min(BATCH, 60) : BATCH;
  const start = performance.now();
  await setup.producer.queues.candidates.addBulk(
    Array.from({ length: jobs }, (_, i) => ({
      name: 'candidates',
      data: { generationId: `tp${i}`, round: 1, seeds: [1, 2, 3, 4], prompt: 'a red circle' },
      opts: { jobId: `candidates-tp${i}-r1` },
    })),
  );
  for (;;) {
    if ((await setup.producer.queues.candidates.getCompletedCount()) >= jobs) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - start) / 1000;
  for (const { child } of workers) child.kill('SIGTERM');
  await Promise.all(workers.map(({ exited }) => exited));
  await setup.cleanup();
  const label = delayMs > 0 ? `${delayMs} ms engine` : 'instant engine';
  console.log(
    `  ${processes} worker process(es), ${label}: ${jobs} jobs in ${seconds.toFixed(2)} s = ${(jobs / seconds).toFixed(1)} jobs/s`,
  );
}

await overheadPerGeneration();
await bullmqAlone();
console.log('throughput (concurrency 1 per process):');
for (const delayMs of [0, 100]) {
  for (const processes of [1, 2]) await throughput(processes, delayMs);
}
