// What `npm run discord` and `npm run slack` share: the product's stack (Prisma store, BullMQ
// queue) with one chat platform and no queue worker and no web page. The videos are made by
// `npm run worker` processes on the same Redis, database and artifacts folder (DATA_DIR), so
// like them this never starts a private Redis.
import type { ChatAdapter } from '../bots/chat-adapter.js';
import { resolveModelDir } from '../wiring/model.js';
import { startStack, type Stack } from '../wiring/stack.js';
import { requireSharedRedis } from './shared-redis.js';
import type { ProcessContext } from './run-process.js';

export async function runChatBot(
  { config, log, onShutdown }: ProcessContext,
  adapter: ChatAdapter,
): Promise<Stack> {
  const redisUrl = await requireSharedRedis(config);
  // The worker loads the model; here it only gives the words `/video` accepts.
  const modelDir = resolveModelDir(config, log);
  const stack = await startStack({
    config,
    log,
    redisUrl,
    modelDir,
    worker: false,
    web: false,
    extraAdapters: [adapter],
  });
  onShutdown(() => stack.close());
  log.info({ platform: adapter.platform, redisUrl }, 'bot started without a queue worker');
  console.log(
    `\n  firstframe ${adapter.platform} bot is running (Ctrl+C stops it).\n` +
      '  This process runs no queue worker: run `npm run worker` with the same REDIS_URL,\n' +
      '  DATABASE_URL and DATA_DIR (or use `npm start`, which runs both).\n',
  );
  return stack;
}
