// `npm run slack`: the Slack bot (Socket Mode with SLACK_APP_TOKEN, else HTTP on SLACK_PORT) on
// the product's stack (Prisma, BullMQ), without a queue worker: `npm run worker` makes the
// videos (see chat-bot-process.ts).
import { slackAdapterFrom } from '../wiring/chat-platforms.js';
import { runChatBot } from './chat-bot-process.js';
import { runProcess } from './run-process.js';

await runProcess('slack', async (context) => {
  const adapter = slackAdapterFrom(context.config, context.log, { required: true });
  if (!adapter) return;
  await runChatBot(context, adapter);
  const where = adapter.url
    ? `listening on ${adapter.url}/slack/events (Slack's Request URL: https://<your host>/slack/events)`
    : 'connected with Socket Mode';
  console.log(`  Slack: ${where}\n`);
});
