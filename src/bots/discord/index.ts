// The Discord bot's public surface: `createDiscordAdapter` builds the chat adapter that joins
// the BotService (src/wiring/chat-platforms.ts does it for `npm start` and `npm run discord`).
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
export { startShardManager, type ShardSet } from './sharding.js';

export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordChatAdapter {
  return new DiscordChatAdapter(options);
}
