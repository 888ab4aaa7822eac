// /history [scope:mine|server] [page]: past videos, seen by the caller only.
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from './types.js';

const data = new SlashCommandBuilder()
  .setName('history')
  .setDescription('Past videos: yours or the whole server')
  .setContexts(InteractionContextType.Guild)
  .addStringOption((option) =>
    option
      .setName('scope')
      .setDescription('Whose videos (default: yours)')
      .addChoices({ name: 'mine', value: 'mine' }, { name: 'server', value: 'server' }),
  )
  .addIntegerOption((option) =>
    option.setName('page').setDescription('Page number').setMinValue(1).setMaxValue(10_000),
  );

export const historyCommand: SlashCommand = {
  data: data.toJSON(),
  ephemeral: true,
  toInput(interaction) {
    const scope = interaction.options.getString('scope') ?? 'mine';
    const page = interaction.options.getInteger('page') ?? 1;
    return { text: `/history ${scope} ${page}` };
  },
};
