// `npm run discord`: the Discord bot on the product's stack (Prisma, BullMQ), without a queue
// worker: `npm run worker` makes the videos (see chat-bot-process.ts).
import { discordAdapterFrom } from '../wiring/chat-platforms.js';
import { runChatBot } from './chat-bot-process.js';
import { runProcess } from './run-process.js';

await runProcess('discord', async (context) => {
  const adapter = discordAdapterFrom(context.config, context.log, { required: true });
  if (adapter) await runChatBot(context, adapter);
});
