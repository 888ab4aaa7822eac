// /video prompt:<text> [seed] [steps] [guidance] [scheduler] [negative] [fps] [image]
// Discord checks types and ranges in the client against the contract's limits for any model,
// and completes the prompt's next word from the running model's words (autocomplete); the core
// validates again with the running model's limits (its words, its step maximum) and answers
// with what is wrong. The image is downloaded by the adapter.
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { REQUEST_LIMITS as limits } from '../../../core/contract.js';
import { promptCompletions } from '../../../core/commands/words.js';
import {
  guidanceOption,
  negativeOption,
  optionValues,
  schedulerOption,
  seedOption,
  stepsOption,
} from './sampling-options.js';
import { AUTOCOMPLETE, type SlashCommand } from './types.js';

const data = new SlashCommandBuilder()
  .setName('video')
  .setDescription('Make a short video: vote for its first frame with 1️⃣–4️⃣, then it is animated')
  .setContexts(InteractionContextType.Guild)
  .addStringOption((option) =>
    option
      .setName('prompt')
      .setDescription('What the video shows, e.g. "a big red circle moving left on black"')
      .setRequired(true)
      .setMaxLength(limits.promptMaxChars)
      .setAutocomplete(true),
  )
  .addIntegerOption(seedOption)
  .addIntegerOption(stepsOption)
  .addNumberOption(guidanceOption)
  .addStringOption(schedulerOption)
  .addStringOption(negativeOption)
  .addIntegerOption((option) =>
    option
      .setName('fps')
      .setDescription("Frames per second: the model's own, or twice it where it can interpolate")
      .setMinValue(limits.fps.min)
      .setMaxValue(limits.fps.max),
  )
  .addAttachmentOption((option) =>
    option.setName('image').setDescription('Your own first frame (PNG, JPEG or WebP): no vote'),
  );

export const videoCommand: SlashCommand = {
  data: data.toJSON(),
  ephemeral: false,
  toInput(interaction) {
    return { text: '/video', options: optionValues(interaction.options.data, ['image']) };
  },
  /** The prompt as typed, with its next word from the model's vocabulary. */
  complete(option, { vocabulary }) {
    return option.name === 'prompt'
      ? promptCompletions(option.value, vocabulary, AUTOCOMPLETE)
      : [];
  },
};
