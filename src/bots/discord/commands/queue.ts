// /queue: what is waiting and running (Manage Server; checked at run time as well).
import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from './types.js';

const data = new SlashCommandBuilder()
  .setName('queue')
  .setDescription('Videos waiting and being made (Manage Server)')
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild);

export const queueCommand: SlashCommand = {
  data: data.toJSON(),
  ephemeral: true,
  toInput: () => ({ text: '/queue' }),
};
