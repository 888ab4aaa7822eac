// /extend caption:<what happens next> [seed] [steps] [guidance] [scheduler] [negative]
// A story's next clip: the core's `/video extend <caption>` with Discord's parsed options (no fps:
// a story keeps its first video's; no image: it continues the newest video in the channel).
// `caption:close` is the core's `/video extend close` (admins): the story is not extended again.
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

/** The word before the caption in the core's grammar (`/video extend <caption>`). */
const EXTEND_WORD = 'extend';

const data = new SlashCommandBuilder()
  .setName('extend')
  .setDescription('Continue the newest video here as a story: vote on 4 continuations with 1️⃣–4️⃣')
  .setContexts(InteractionContextType.Guild)
  .addStringOption((option) =>
    option
      .setName('caption')
      .setDescription(
        'What happens next, e.g. "a red circle moving down" (admins: close ends the story)',
      )
      .setRequired(true)
      .setMaxLength(limits.promptMaxChars)
      .setAutocomplete(true),
  )
  .addIntegerOption(seedOption)
  .addIntegerOption(stepsOption)
  .addNumberOption(guidanceOption)
  .addStringOption(schedulerOption)
  .addStringOption(negativeOption);

export const extendCommand: SlashCommand = {
  data: data.toJSON(),
  ephemeral: false,
  toInput(interaction) {
    const caption = interaction.options.getString('caption', true);
    const options = optionValues(interaction.options.data, ['caption']);
    return { text: '/video', options: { prompt: `${EXTEND_WORD} ${caption}`, ...options } };
  },
  /** The caption is a prompt for the model: its next word from the model's vocabulary. */
  complete(option, { vocabulary }) {
    return option.name === 'caption'
      ? promptCompletions(option.value, vocabulary, AUTOCOMPLETE)
      : [];
  },
};
