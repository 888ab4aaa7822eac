// /quota: the caller's usage and limits. The admin forms are a command of their own,
// /quota-admin, because Discord sets default permissions per command, not per subcommand.
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from './types.js';

const data = new SlashCommandBuilder()
  .setName('quota')
  .setDescription('Your video usage and limits')
  .setContexts(InteractionContextType.Guild);

export const quotaCommand: SlashCommand = {
  data: data.toJSON(),
  ephemeral: true,
  toInput: () => ({ text: '/quota' }),
};
