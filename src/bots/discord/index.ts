// The Discord bot: `createDiscordAdapter` for a process that runs several chat platforms on
// one BotService, `startDiscordBot` for a process that runs Discord alone.
import { BotService, type BotServiceDeps } from '../../app/bot-service.js';
import { DiscordChatAdapter, type DiscordAdapterOptions } from './discord-adapter.js';

export {
  DiscordChatAdapter,
  DISCORD_PLATFORM,
  DiscordLoginError,
  type DiscordAdapterOptions,
} from './discord-adapter.js';
export { SLASH_COMMANDS, type SlashCommand } from './commands/index.js';
export { deployCommands } from './deploy-commands.js';
export { ffmpegShrinker } from './shrink-video.js';

export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordChatAdapter {
  return new DiscordChatAdapter(options);
}

export interface DiscordBot {
  adapter: DiscordChatAdapter;
  service: BotService;
  stop(): Promise<void>;
}

/** Connects to Discord and runs the bot service on it (resuming open generations first). */
export async function startDiscordBot(
  discord: DiscordAdapterOptions,
  service: Omit<BotServiceDeps, 'adapters'>,
): Promise<DiscordBot> {
  const adapter = createDiscordAdapter(discord);
  const bot = new BotService({ ...service, adapters: [adapter] });
  await bot.start();
  return { adapter, service: bot, stop: () => bot.stop() };
}
