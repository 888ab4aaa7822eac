// `npm run slack`: the Slack bot. Until the bot lands it only checks its settings.
import { runProcess, StartupError } from './run-process.js';

await runProcess('slack', async ({ config }) => {
  const missing = (['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'] as const).filter(
    (name) => !config.env[name],
  );
  if (missing.length > 0) {
    throw new StartupError(
      `Slack is not configured: set ${missing.join(', ')} (from your Slack app's settings).`,
    );
  }
  throw new StartupError('The Slack bot is not implemented yet.');
});
