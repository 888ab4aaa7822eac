// /quota-admin set|grant|reset: hidden by Discord from members without Manage Server
// (default_member_permissions), and checked again at run time by the bot service
// (ChatAdapter.isAdmin), since server admins can change who sees a command.
import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from './types.js';

const data = new SlashCommandBuilder()
  .setName('quota-admin')
  .setDescription('Change video quotas (Manage Server)')
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addSubcommand((sub) =>
    sub
      .setName('set')
      .setDescription('Set a daily or monthly limit for a member or the whole server')
      .addStringOption((option) =>
        option
          .setName('period')
          .setDescription('Which limit')
          .setRequired(true)
          .addChoices({ name: 'daily', value: 'daily' }, { name: 'monthly', value: 'monthly' }),
      )
      .addStringOption((option) =>
        option
          .setName('limit')
          .setDescription('Number of videos, or "unlimited"')
          .setRequired(true)
          .setMaxLength(12),
      )
      .addUserOption((option) =>
        option.setName('user').setDescription('The member (leave empty for the whole server)'),
      ),
  )
  .addSubcommand((sub) =>
    sub
      .setName('grant')
      .setDescription('Give a member extra videos')
      .addUserOption((option) =>
        option.setName('user').setDescription('The member').setRequired(true),
      )
      .addIntegerOption((option) =>
        option
          .setName('amount')
          .setDescription('Extra videos')
          .setRequired(true)
          .setMinValue(1)
          .setMaxValue(1_000_000),
      ),
  )
  .addSubcommand((sub) =>
    sub
      .setName('reset')
      .setDescription('Forget the usage so far of a member or the whole server')
      .addUserOption((option) =>
        option.setName('user').setDescription('The member (leave empty for the whole server)'),
      ),
  );

export const quotaAdminCommand: SlashCommand = {
  data: data.toJSON(),
  ephemeral: true,
  toInput(interaction) {
    const user = interaction.options.getUser('user');
    const target = user ? `<@${user.id}>` : 'workspace';
    switch (interaction.options.getSubcommand()) {
      case 'set': {
        const period = interaction.options.getString('period', true);
        const limit = interaction.options.getString('limit', true).trim();
        return { text: `/quota set ${target} ${period} ${limit}` };
      }
      case 'grant':
        return { text: `/quota grant ${target} ${interaction.options.getInteger('amount', true)}` };
      default:
        return { text: `/quota reset ${target}` };
    }
  },
};
