// `npm run discord`: the Discord bot. Until the bot lands it only checks its settings.
import { runProcess, StartupError } from './run-process.js';

await runProcess('discord', async ({ config }) => {
  const missing = (['DISCORD_TOKEN', 'DISCORD_APPLICATION_ID'] as const).filter(
    (name) => !config.env[name],
  );
  if (missing.length > 0) {
    throw new StartupError(
      `Discord is not configured: set ${missing.join(' and ')} (from the Discord developer portal).`,
    );
  }
  throw new StartupError('The Discord bot is not implemented yet.');
});
