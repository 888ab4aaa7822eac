// /help [topic]: the commands, or a topic of the core's /help (words: the words the model knows),
// seen by the caller only.
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { HELP_TOPICS } from '../../../core/commands/parse.js';
import type { SlashCommand } from './types.js';

const data = new SlashCommandBuilder()
  .setName('help')
  .setDescription('How to make a video: the commands, or the words the model knows')
  .setContexts(InteractionContextType.Guild)
  .addStringOption((option) =>
    option
      .setName('topic')
      .setDescription('What to explain (default: the commands)')
      .addChoices(...HELP_TOPICS.map((topic) => ({ name: topic, value: topic }))),
  );

export const helpCommand: SlashCommand = {
  data: data.toJSON(),
  ephemeral: true,
  toInput(interaction) {
    const topic = interaction.options.getString('topic');
    return { text: topic ? `/help ${topic}` : '/help' };
  },
};
