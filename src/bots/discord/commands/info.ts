// /info: the caller's queued and running videos (position, ETA), quota left, open votes here.
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from './types.js';

const data = new SlashCommandBuilder()
  .setName('info')
  .setDescription('Your queued videos (position, ETA), quota left and the open votes here')
  .setContexts(InteractionContextType.Guild);

export const infoCommand: SlashCommand = {
  data: data.toJSON(),
  ephemeral: true,
  toInput: () => ({ text: '/info' }),
};
