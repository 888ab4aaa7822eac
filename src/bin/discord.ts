// `npm run discord`: the Discord bot on the product's stack (Prisma, BullMQ), without a queue
// worker: `npm run worker` makes the videos (see chat-bot-process.ts). With DISCORD_SHARDS it
// starts one such process per shard and watches them (src/bots/discord/sharding.ts).
import { fileURLToPath } from 'node:url';
import { startShardManager } from '../bots/discord/index.js';
import { discordAdapterFrom, discordCredentials } from '../wiring/chat-platforms.js';
import { shardPlanOf } from '../wiring/discord-shards.js';
import { runChatBot } from './chat-bot-process.js';
import { runProcess } from './run-process.js';

await runProcess('discord', async (context) => {
  const { config, log } = context;
  const plan = shardPlanOf(config.env, { oneProcess: false });
  if (plan.kind === 'client') {
    const adapter = discordAdapterFrom(config, log, { required: true, shards: plan.shards });
    if (adapter) await runChatBot(context, adapter);
    return;
  }
  // Checked here, so a missing token is told once, not by every shard.
  const { token } = discordCredentials(config);
  const manager = await startShardManager({
    file: fileURLToPath(import.meta.url),
    token,
    api: config.env.DISCORD_API_URL,
    count: plan.count,
    log,
  });
  context.onShutdown(() => manager.stop());
  console.log(
    `\n  firstframe discord: ${manager.count} shard processes are running (Ctrl+C stops them).\n` +
      '  Each is a bot without a queue worker: run `npm run worker` with the same REDIS_URL,\n' +
      '  DATABASE_URL and DATA_DIR.\n',
  );
});
