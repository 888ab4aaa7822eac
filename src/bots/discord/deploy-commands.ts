// Registers the slash commands with Discord: in one server (instant, for development) or
// globally (for production; Discord may take a while to show changes everywhere).
import { REST, Routes } from 'discord.js';
import { SLASH_COMMANDS, type SlashCommand } from './commands/index.js';

export interface DeployOptions {
  token: string;
  applicationId: string;
  /** Register in this server only; undefined = globally. */
  guildId?: string | undefined;
  commands?: readonly SlashCommand[];
  /** Discord's REST base URL (tests). */
  api?: string;
}

export async function deployCommands(options: DeployOptions): Promise<string[]> {
  const rest = new REST(options.api ? { api: options.api } : {}).setToken(options.token);
  const body = (options.commands ?? SLASH_COMMANDS).map((command) => command.data);
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  // PUT replaces the whole set: commands removed from the code disappear from Discord too.
  const registered = (await rest.put(route, { body })) as { name: string }[];
  return registered.map((command) => command.name);
}
