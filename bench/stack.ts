// End-to-end benchmark of the product: the real stack (web adapter, bot service, BullMQ on
// Redis, a worker with the ONNX engine, Prisma on a fresh SQLite file) makes videos one after
// another: /video, the requester votes and closes the round at once, the MP4 is posted.
// Prints, per video, the time to the grid and to the posted MP4 (so it includes queueing,
// the database, progress events and encoding, not just inference).
// Usage: npx tsx bench/stack.ts [--model dir] [--steps 15] [--videos 3] [--threads 0]
//        (needs Redis on REDIS_URL or 127.0.0.1:6379; uses its own key prefix, removed after)
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    threads: { type: 'string', default: '0' },
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
    ENGINE_THREADS: values.threads,
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
const botSays = (pattern: RegExp, accept: (m: WebMessage) => boolean = () => true) =>
  waitFor(() =>
    chat.history('alice').find((m) => m.author.isBot && pattern.test(m.text) && accept(m)),
  );

console.log(`model ${values.model}, ${values.steps} steps, threads ${values.threads || 'auto'}`);
console.log('video  grid_ms  mp4_ms');
try {
  for (let i = 1; i <= Number(values.videos); i++) {
    const prompt = `a big red circle moving right ${'on a black background '.repeat(i % 2)}`.trim();
    const started = performance.now();
    const request = await chat.submit(
      'alice',
      `/video ${prompt} --seed ${i} --steps ${values.steps}`,
    );
    const mine = (m: WebMessage) => m.createdAt >= request.createdAt;
    const round = await botSays(/Round 1 for/, (m) => mine(m) && m.reactions.length >= 4);
    const gridMs = performance.now() - started;
    await chat.toggleReaction('alice', round.id, '1️⃣');
    await chat.toggleReaction('alice', round.id, '✅');
    await botSays(/^🎬/, (m) => mine(m) && m.attachments.some((a) => a.kind === 'video'));
    const mp4Ms = performance.now() - started;
    console.log(
      `${String(i).padStart(5)}  ${gridMs.toFixed(0).padStart(7)}  ${mp4Ms.toFixed(0).padStart(6)}`,
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
