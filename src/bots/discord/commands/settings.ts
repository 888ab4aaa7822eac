// /settings show | set [vote-window] [steps] [guidance] [fps] [extend] [max-rounds] | reset [name]
// Open to everyone (show is for all; set and reset are checked at run time by the bot service,
// ChatAdapter.isAdmin, like /quota-admin). Discord checks types and ranges in the client; the
// core validates again with the running model's limits and answers with what is wrong.
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { REQUEST_LIMITS as limits } from '../../../core/contract.js';
import { CHANNEL_LIMITS, EXTEND_RULES, SETTING_NAMES } from '../../../core/commands/settings.js';
import type { SlashCommand } from './types.js';

const data = new SlashCommandBuilder()
  .setName('settings')
  .setDescription(
    "This channel's video settings: vote window, steps, rounds... (admins change them)",
  )
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((sub) =>
    sub.setName('show').setDescription("This channel's settings, and which are defaults"),
  )
  .addSubcommand((sub) =>
    sub
      .setName('set')
      .setDescription("Change this channel's defaults (Manage Server)")
      .addStringOption((option) =>
        option
          .setName('vote-window')
          .setDescription('How long a vote stays open: 10s to 10m, e.g. 90s or 2m')
          .setMaxLength(12),
      )
      .addIntegerOption((option) =>
        option
          .setName('steps')
          .setDescription('Denoising steps of a /video that names none')
          .setMinValue(limits.steps.min)
          .setMaxValue(limits.steps.max),
      )
      .addNumberOption((option) =>
        option
          .setName('guidance')
          .setDescription('Guidance of a /video that names none')
          .setMinValue(limits.guidance.min)
          .setMaxValue(limits.guidance.max),
      )
      .addIntegerOption((option) =>
        option
          .setName('fps')
          .setDescription('Frames per second of the videos')
          .setMinValue(limits.fps.min)
          .setMaxValue(limits.fps.max),
      )
      .addStringOption((option) =>
        option
          .setName('extend')
          .setDescription('Who may extend a video')
          .addChoices(...EXTEND_RULES.map((rule) => ({ name: rule, value: rule }))),
      )
      .addIntegerOption((option) =>
        option
          .setName('max-rounds')
          .setDescription('Rounds of new frames per video (🔄)')
          .setMinValue(CHANNEL_LIMITS.maxRounds.min)
          .setMaxValue(CHANNEL_LIMITS.maxRounds.max),
      ),
  )
  .addSubcommand((sub) =>
    sub
      .setName('reset')
      .setDescription('Back to the defaults (Manage Server)')
      .addStringOption((option) =>
        option
          .setName('name')
          .setDescription('The setting (leave empty for all of them)')
          .addChoices(...SETTING_NAMES.map((name) => ({ name, value: name }))),
      ),
  );

export const settingsCommand: SlashCommand = {
  data: data.toJSON(),
  ephemeral: true,
  toInput(interaction) {
    const subcommand = interaction.options.getSubcommand();
    if (subcommand === 'reset') {
      const name = interaction.options.getString('name');
      return { text: name ? `/settings reset ${name}` : '/settings reset' };
    }
    if (subcommand !== 'set') return { text: '/settings show' };
    // The subcommand's options as `name value` pairs (no spaces inside a value).
    const options = interaction.options.data[0]?.options ?? [];
    const pairs = options.map(
      (option) => `${option.name} ${String(option.value).replace(/\s+/g, '')}`,
    );
    return { text: ['/settings set', ...pairs].join(' ') };
  },
};
