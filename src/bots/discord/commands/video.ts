// /video prompt:<text> [seed] [steps] [guidance] [scheduler] [negative] [fps] [image]
// Discord checks types and ranges in the client against the contract's limits for any model,
// and completes the prompt's next word from the running model's words (autocomplete); the core
// validates again with the running model's limits (its words, its step maximum) and answers
// with what is wrong. The image is downloaded by the adapter.
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { REQUEST_LIMITS as limits } from '../../../core/contract.js';
import { promptCompletions } from '../../../core/commands/words.js';
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
  .addIntegerOption((option) =>
    option
      .setName('seed')
      .setDescription('Random seed, to make the same frames again')
      .setMinValue(limits.seed.min)
      .setMaxValue(limits.seed.max),
  )
  .addIntegerOption((option) =>
    option
      .setName('steps')
      .setDescription("Denoising steps (default: the model's)")
      .setMinValue(limits.steps.min)
      .setMaxValue(limits.steps.max),
  )
  .addNumberOption((option) =>
    option
      .setName('guidance')
      .setDescription("How closely to follow the prompt (default: the model's)")
      .setMinValue(limits.guidance.min)
      .setMaxValue(limits.guidance.max),
  )
  .addStringOption((option) =>
    option
      .setName('scheduler')
      .setDescription("Sampler (default: the model's)")
      .addChoices(...limits.schedulers.map((name) => ({ name, value: name }))),
  )
  .addStringOption((option) =>
    option
      .setName('negative')
      .setDescription('What the frames should not show')
      .setMaxLength(limits.negativeMaxChars),
  )
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
    const options: Record<string, string> = {};
    for (const option of interaction.options.data) {
      if (option.name !== 'image' && option.value !== undefined) {
        options[option.name] = String(option.value);
      }
    }
    return { text: '/video', options };
  },
  /** The prompt as typed, with its next word from the model's vocabulary. */
  complete(option, { vocabulary }) {
    return option.name === 'prompt'
      ? promptCompletions(option.value, vocabulary, AUTOCOMPLETE)
      : [];
  },
};
