// End-to-end benchmark of the product: the real stack (web adapter, bot service, BullMQ on
// Redis, a worker with the ONNX engine, Prisma on a fresh SQLite file) makes videos one after
// another: /video, the requester votes and closes the round at once, the MP4 is posted.
// Prints, per video, the time to the grid and to the posted MP4 (so it includes queueing,
// the database, progress events and encoding, not just inference).
// With --rounds n it measures concurrency instead: each round makes one video alone, then two
// at once (two users), and prints the ratio of the pair's time to the single's, min and
// median over the rounds (1.0 = the second video was free; 2.0 = no gain from running both),
// with the cores the process got (its CPU time / wall time).
// With --story n it measures a story instead: one video, then n clips by `/video extend`, each
// with the time from the command to its continuation previews and to the posted story video.
// Usage: npm run bench:stack -- [--model dir] [--steps 15] [--videos 3] [--rounds 0] [--story 0]
//          [--threads n] [--concurrency n]   (default: the config's, as `npm start` runs)
//        (needs Redis on REDIS_URL or 127.0.0.1:6379; uses its own key prefix, removed after)
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { WebMessage } from '../src/bots/web/web-adapter.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { DEFAULT_MODEL_DIR, TINY_MODEL_DIR } from '../src/wiring/model.js';
import { startStack } from '../src/wiring/stack.js';

const { values } = parseArgs({
  options: {
    model: {
      type: 'string',
      default: existsSync(DEFAULT_MODEL_DIR) ? DEFAULT_MODEL_DIR : TINY_MODEL_DIR,
    },
    steps: { type: 'string', default: '15' },
    videos: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '0' },
    story: { type: 'string', default: '0' },
    threads: { type: 'string' },
    concurrency: { type: 'string' },
  },
});
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const dir = mkdtempSync(path.join(tmpdir(), 'ff-bench-stack-'));
const prefix = `ff-bench-${randomUUID()}`;
const config = loadConfig({
  env: {
    DATA_DIR: dir,
    QUEUE_PREFIX: prefix,
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    ...(values.threads === undefined ? {} : { ENGINE_THREADS: values.threads }),
    ...(values.concurrency === undefined ? {} : { WORKER_CONCURRENCY: values.concurrency }),
    QUOTA_USER_DAILY: 'unlimited',
    QUOTA_USER_MONTHLY: 'unlimited',
  },
  envFile: null,
  baseDir: dir,
});
const stack = await startStack({
  config,
  log: createLogger('warn', 'bench'),
  redisUrl,
  modelDir: path.resolve(values.model),
  worker: true,
  web: false,
  flow: { progressEditIntervalMs: 0 },
});
const chat = stack.webAdapter;

async function waitFor(check: () => WebMessage | undefined): Promise<WebMessage> {
  for (;;) {
    const found = check();
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const botSays = (user: string, pattern: RegExp, accept: (m: WebMessage) => boolean) =>
  waitFor(() =>
    chat.history(user).find((m) => m.author.isBot && pattern.test(m.text) && accept(m)),
  );

/** One video for `user`: /video, vote 1, close; ms to the grid and to the posted MP4. */
async function video(user: string, i: number): Promise<{ gridMs: number; mp4Ms: number }> {
  const prompt = `a big red circle moving right ${'on a black background '.repeat(i % 2)}`.trim();
  const started = performance.now();
  const request = await chat.submit(user, `/video ${prompt} --seed ${i} --steps ${values.steps}`);
  const mine = (m: WebMessage) => m.createdAt >= request.createdAt;
  // One channel for everyone: find this request's messages by prompt, user and time.
  const round = await botSays(
    user,
    new RegExp(`Round 1 for "${prompt}"`),
    (m) => mine(m) && m.reactions.length >= 4,
  );
  const gridMs = performance.now() - started;
  await chat.toggleReaction(user, round.id, '1️⃣');
  await chat.toggleReaction(user, round.id, '✅');
  await botSays(
    user,
    new RegExp(`^🎬 "${prompt}" for ${user}`),
    (m) => mine(m) && m.attachments.some((a) => a.kind === 'video'),
  );
  return { gridMs, mp4Ms: performance.now() - started };
}

/** Clip `clip` of alice's story: /video extend, vote 1, close; ms to the previews and the MP4. */
async function extend(clip: number): Promise<{ gridMs: number; mp4Ms: number }> {
  const caption = clip % 2 === 0 ? 'a big red circle moving down' : 'a big red circle moving right';
  const started = performance.now();
  const request = await chat.submit(
    'alice',
    `/video extend ${caption} --seed ${clip} --steps ${values.steps}`,
  );
  const mine = (m: WebMessage) => m.createdAt >= request.createdAt;
  const round = await botSays(
    'alice',
    new RegExp(`Round 1 for "${caption}" \\(clip ${clip} of`),
    (m) => mine(m) && m.reactions.length >= 4,
  );
  const gridMs = performance.now() - started;
  await chat.toggleReaction('alice', round.id, '1️⃣');
  await chat.toggleReaction('alice', round.id, '✅');
  await botSays(
    'alice',
    new RegExp(`^🎬 Story .*, ${clip} clips, for alice`),
    (m) => mine(m) && m.attachments.some((a) => a.kind === 'video'),
  );
  return { gridMs, mp4Ms: performance.now() - started };
}

const env = config.env;
console.log(
  `model ${values.model}, ${values.steps} steps, ENGINE_THREADS ${env.ENGINE_THREADS}, ` +
    `WORKER_CONCURRENCY ${env.WORKER_CONCURRENCY}, ${availableParallelism()} CPUs`,
);
try {
  const rounds = Number(values.rounds);
  const clips = Number(values.story);
  if (clips > 0) {
    const first = await video('alice', 1);
    console.log('clip  previews_ms  story_mp4_ms');
    console.log(
      `${'1'.padStart(4)}  ${first.gridMs.toFixed(0).padStart(11)}  ${first.mp4Ms.toFixed(0).padStart(12)}`,
    );
    for (let clip = 2; clip <= clips + 1; clip++) {
      const { gridMs, mp4Ms } = await extend(clip);
      console.log(
        `${String(clip).padStart(4)}  ${gridMs.toFixed(0).padStart(11)}  ${mp4Ms.toFixed(0).padStart(12)}`,
      );
    }
  } else if (rounds === 0) {
    console.log('video  grid_ms  mp4_ms');
    for (let i = 1; i <= Number(values.videos); i++) {
      const { gridMs, mp4Ms } = await video('alice', i);
      console.log(
        `${String(i).padStart(5)}  ${gridMs.toFixed(0).padStart(7)}  ${mp4Ms.toFixed(0).padStart(6)}`,
      );
    }
  } else {
    await video('alice', 0); // warm-up: first runs allocate onnxruntime's buffers
    // Wall time, and the process's CPU time (user + system) as cores used: on a shared machine
    // two engines can only halve the wall time if they get two cores.
    const measure = async (work: () => Promise<unknown>) => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      await work();
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      return { ms, cores: (used.user + used.system) / 1000 / ms };
    };
    const ratios: number[] = [];
    console.log('round  one_ms  cores  two_at_once_ms  cores  ratio');
    for (let r = 1; r <= rounds; r++) {
      const one = await measure(() => video('alice', r));
      const two = await measure(() => Promise.all([video('alice', r), video('bob', r + 1)]));
      ratios.push(two.ms / one.ms);
      console.log(
        `${String(r).padStart(5)}  ${one.ms.toFixed(0).padStart(6)}  ${one.cores.toFixed(2)}  ` +
          `${two.ms.toFixed(0).padStart(14)}  ${two.cores.toFixed(2)}  ${(two.ms / one.ms).toFixed(2)}`,
      );
    }
    const sorted = ratios.sort((a, b) => a - b);
    const median = (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
    console.log(
      `two at once / one alone: min ${sorted[0]!.toFixed(2)}, median ${median.toFixed(2)}`,
    );
  }
} finally {
  await stack.close();
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
}
