// `npm run slack`: the Slack bot (Socket Mode with SLACK_APP_TOKEN, else HTTP on SLACK_PORT).
// For now the bot service runs on the demo parts, like the playground: a SQLite store under
// DATA_DIR/slack and the in-process job runner (stand-in pictures, real MP4/GIF). When the
// Prisma store and the BullMQ queue land, pass those to `startSlackBot` instead.
import path from 'node:path';
import { openDemoParts } from '../app/dev/demo-parts.js';
import { slackSetupFrom, startSlackBot } from '../bots/slack/index.js';
import { runProcess, StartupError } from './run-process.js';

await runProcess('slack', async ({ config, log, onShutdown }) => {
  const setup = slackSetupFrom(config.env);
  if (!setup.ok) {
    const problems = setup.problems.map((problem) => `  - ${problem}`).join('\n');
    throw new StartupError(`Slack is not configured (see docs/slack.md):\n${problems}`);
  }
  const parts = openDemoParts(path.join(config.dataDir, 'slack'), config.env);
  onShutdown(() => parts.close());
  const bot = await startSlackBot(
    {
      botToken: setup.botToken,
      connection: setup.connection,
      admins: setup.admins,
      log,
      ...(setup.apiUrl ? { apiUrl: setup.apiUrl } : {}),
    },
    { ...parts.deps, adapters: [], log },
  );
  onShutdown(() => bot.stop());
  const where =
    setup.connection.mode === 'http'
      ? `listening on ${bot.adapter.url}/slack/events (Slack's Request URL: https://<your host>/slack/events)`
      : 'connected with Socket Mode';
  console.log(`\n  firstframe Slack bot ${where}\n  (Ctrl+C stops it)\n`);
});
