// `npm run discord:deploy-commands`: registers /video, /history, /quota, /quota-admin and
// /queue with Discord. With DISCORD_GUILD_ID: in that server only (instant, for development);
// without: globally (production).
import { deployCommands } from '../bots/discord/deploy-commands.js';
import { runProcess, StartupError } from './run-process.js';

await runProcess('discord-deploy-commands', async ({ config }) => {
  const { DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: applicationId } = config.env;
  if (!token || !applicationId) {
    throw new StartupError(
      'set DISCORD_TOKEN and DISCORD_APPLICATION_ID (from the Discord developer portal; see docs/discord.md).',
    );
  }
  const guildId = config.env.DISCORD_GUILD_ID;
  const names = await deployCommands({ token, applicationId, guildId });
  console.log(
    `Registered ${names.map((name) => `/${name}`).join(', ')} ${guildId ? `in server ${guildId}` : 'globally (may take up to an hour to appear)'}.`,
  );
});
