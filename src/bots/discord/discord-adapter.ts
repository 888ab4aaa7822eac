// Discord as a chat platform, on discord.js 14. Slash commands are deferred at once (Discord
// wants an answer within 3 s); the bot core's first reply replaces the deferred "thinking…",
// later ones are follow-ups. The interaction token expires after 15 minutes, so from then on
// (or when Discord says the webhook is gone) messages are sent and edited through the channel.
import { once } from 'node:events';
import {
  AttachmentBuilder,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
  Routes,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type SendableChannels,
  type User,
} from 'discord.js';
import type { IncomingAttachment } from '../../core/commands/types.js';
import type { Logger } from '../../log.js';
import {
  DeliveryError,
  type ChatAdapter,
  type ChatHandlers,
  type ChatUser,
  type MessageRef,
  type OutgoingMessage,
} from '../chat-adapter.js';
import { deliveryErrorOf, VIDEO_TOO_LARGE } from './delivery-errors.js';
import { commandsByName, SLASH_COMMANDS, type SlashCommand } from './commands/index.js';
import { downloadAttachment } from './image-download.js';
import {
  InteractionReplies,
  isExpiredTokenError,
  type InteractionReply,
} from './interaction-replies.js';
import { planUpload, uploadLimitOfTier, type ShrinkVideo } from './upload-limit.js';

export const DISCORD_PLATFORM = 'discord';

/** Discord refuses message content over 2000 characters. */
const MAX_CONTENT = 2000;
/** Images attached to /video larger than this are not even downloaded (the core allows less). */
const MAX_IMAGE_DOWNLOAD = 25 * 1024 * 1024;
/** How long the permissions Discord sent with a command stand for that member. */
const PERMISSIONS_FRESH_MS = 60_000;

/** A start-up failure whose message tells the operator what to do (named like the bins'
 * StartupError, so they print the message alone). */
export class DiscordLoginError extends Error {
  override name = 'StartupError';
}

export interface DiscordAdapterOptions {
  token: string;
  applicationId: string;
  log: Logger;
  /** Where images attached to /video are saved. */
  uploadDir: string;
  /** Our own cap on posted files, on top of each server's limit (MAX_UPLOAD_BYTES). */
  maxUploadBytes?: number;
  /** Makes an MP4 that is over the upload limit smaller (see ffmpegShrinker). */
  shrinkVideo?: ShrinkVideo;
  /** A link to a file kept on the bot's side, posted when the file cannot be uploaded. */
  artifactUrl?: (file: string) => string | undefined;
  /** Discord's REST base URL (tests point it at a local fake: http://127.0.0.1:PORT/api). */
  api?: string;
  /** The clock that decides when interaction tokens have expired. */
  now?: () => number;
  commands?: readonly SlashCommand[];
}

export class DiscordChatAdapter implements ChatAdapter {
  readonly platform = DISCORD_PLATFORM;
  readonly client: Client;
  private readonly commands: ReadonlyMap<string, SlashCommand>;
  private readonly replies: InteractionReplies;
  private readonly permissions = new Map<string, { admin: boolean; at: number }>();
  private readonly now: () => number;
  private handlers: ChatHandlers | undefined;

  constructor(private readonly options: DiscordAdapterOptions) {
    this.now = options.now ?? Date.now;
    this.replies = new InteractionReplies(this.now);
    this.commands = commandsByName(options.commands ?? SLASH_COMMANDS);
    this.client = new Client({
      // Guilds: servers, channels and roles (permissions); reactions for the votes. No
      // privileged intents: the bot reads neither message content nor the member list.
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
      // Reactions on messages the client has not cached (sent before a restart) arrive partial.
      partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User],
      allowedMentions: { parse: [], repliedUser: false },
      ...(options.api ? { rest: { api: options.api } } : {}),
    });
  }

  async start(handlers: ChatHandlers): Promise<void> {
    this.handlers = handlers;
    this.client.on(Events.InteractionCreate, (interaction) => void this.onInteraction(interaction));
    this.client.on(Events.MessageReactionAdd, (reaction, user) => {
      void this.onReaction(reaction, user, true);
    });
    this.client.on(Events.MessageReactionRemove, (reaction, user) => {
      void this.onReaction(reaction, user, false);
    });
    this.client.on(Events.Error, (error) =>
      this.options.log.error({ err: error }, 'discord error'),
    );
    const ready = once(this.client, Events.ClientReady);
    try {
      await this.client.login(this.options.token);
    } catch (error) {
      await this.client.destroy();
      if ((error as { code?: string }).code === 'TokenInvalid') {
        throw new DiscordLoginError(
          'Discord refused the bot token: copy it again from the developer portal (Bot → Reset Token) into DISCORD_TOKEN.',
        );
      }
      throw error;
    }
    await ready;
    this.options.log.info({ user: this.client.user?.tag }, 'discord connected');
  }

  async stop(): Promise<void> {
    this.handlers = undefined;
    await this.client.destroy();
  }

  /** Refusals come back as a DeliveryError saying why in words (deliveryErrorOf). */
  async post(channelId: string, message: OutgoingMessage): Promise<MessageRef> {
    try {
      return await this.send(channelId, message);
    } catch (error) {
      throw deliveryErrorOf(error, message) ?? error;
    }
  }

  private async send(channelId: string, message: OutgoingMessage): Promise<MessageRef> {
    const plan = await planUpload(message.attachments ?? [], {
      limitBytes: this.uploadLimit(channelId, this.replies.of(message.replyTo)),
      shrinkVideo: this.options.shrinkVideo,
      artifactUrl: this.options.artifactUrl,
    });
    if (plan.videoUndelivered) {
      // Neither uploaded nor linked: the video would not reach anyone.
      throw new DeliveryError(VIDEO_TOO_LARGE);
    }
    const content = [message.text, ...plan.notes].join('\n');
    const files = () =>
      plan.files.map((file) => new AttachmentBuilder(file.path, { name: file.name }));
    const reply = this.replies.usable(message.replyTo);
    if (reply) {
      try {
        const messageId = await this.postThroughInteraction(reply, content, files(), message);
        return { channelId, messageId };
      } catch (error) {
        if (!isExpiredTokenError(error)) throw error;
        this.tokenExpired(reply);
      }
    }
    const channel = await this.sendableChannel(channelId);
    // Channel messages cannot be ephemeral: the person it is meant for is mentioned instead.
    const mention = message.visibleTo ? `<@${message.visibleTo}> ` : '';
    const sent = await channel.send({
      content: fitContent(mention + content),
      files: files(),
      allowedMentions: { users: message.visibleTo ? [message.visibleTo] : [], repliedUser: false },
      ...(message.replyTo
        ? { reply: { messageReference: message.replyTo, failIfNotExists: false } }
        : {}),
    });
    return { channelId, messageId: sent.id };
  }

  async edit(ref: MessageRef, text: string): Promise<void> {
    const content = fitContent(text);
    const reply = this.replies.usable(ref.messageId);
    if (reply) {
      try {
        const message = ref.messageId === reply.originalId ? '@original' : ref.messageId;
        await reply.interaction.editReply({ message, content });
        return;
      } catch (error) {
        if (!isExpiredTokenError(error)) throw error;
        this.tokenExpired(reply);
      }
    }
    const channel = await this.sendableChannel(ref.channelId);
    await channel.messages.edit(ref.messageId, { content });
  }

  /** One at a time, in order; discord.js' REST queue waits out the rate limits (and 429s). */
  async addReactions(ref: MessageRef, emojis: string[]): Promise<void> {
    const channel = await this.sendableChannel(ref.channelId);
    for (const emoji of emojis) await channel.messages.react(ref.messageId, emoji);
  }

  async removeReaction(ref: MessageRef, emoji: string, userId: string): Promise<void> {
    const route = Routes.channelMessageUserReaction(
      ref.channelId,
      ref.messageId,
      encodeURIComponent(emoji),
      userId,
    );
    try {
      await this.client.rest.delete(route);
    } catch (error) {
      // Without Manage Messages the old reaction stays; the vote has changed all the same.
      if (
        error instanceof DiscordAPIError &&
        error.code === RESTJSONErrorCodes.MissingPermissions
      ) {
        this.options.log.debug({ ref }, 'cannot remove a superseded vote reaction');
        return;
      }
      throw error;
    }
  }

  /** Manage Server (or Administrator, or owner): from the permissions Discord sent with the
   * member's command when fresh, else from the member's roles. */
  async isAdmin(workspaceId: string, userId: string): Promise<boolean> {
    const known = this.permissions.get(`${workspaceId}:${userId}`);
    if (known && this.now() - known.at < PERMISSIONS_FRESH_MS) return known.admin;
    const guild = await this.client.guilds.fetch(workspaceId);
    const member = await guild.members.fetch(userId);
    return member.permissions.has(PermissionFlagsBits.ManageGuild);
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (!interaction.isChatInputCommand()) return;
    const command = this.commands.get(interaction.commandName);
    try {
      if (!command || !interaction.inGuild()) {
        await interaction.reply({
          content: command ? 'Use this command in a server channel.' : 'Unknown command.',
          flags: MessageFlags.Ephemeral,
        });
        return;
      }
      await this.runCommand(interaction, command);
    } catch (error) {
      this.options.log.error({ err: error, command: interaction.commandName }, 'command failed');
      const content = 'Sorry, something went wrong on our side; please try again.';
      const answer =
        interaction.deferred || interaction.replied
          ? interaction.editReply({ content })
          : interaction.reply({ content, flags: MessageFlags.Ephemeral });
      await answer.catch(() => {});
    }
  }

  private async runCommand(
    interaction: ChatInputCommandInteraction<'cached' | 'raw'>,
    command: SlashCommand,
  ): Promise<void> {
    const receivedAt = this.now();
    // First of all: Discord drops interactions not answered within 3 seconds.
    const deferred = await interaction.deferReply({
      withResponse: true,
      ...(command.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
    });
    const replyId = deferred.interaction.responseMessageId ?? (await interaction.fetchReply()).id;
    this.replies.add(interaction, replyId, receivedAt);
    if (interaction.memberPermissions) {
      this.permissions.set(`${interaction.guildId}:${interaction.user.id}`, {
        admin: interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild),
        at: receivedAt,
      });
    }
    const input = command.toInput(interaction);
    const attachments = await this.downloadAttachments(interaction);
    await this.handlers?.command({
      workspaceId: interaction.guildId,
      channelId: interaction.channelId,
      user: userOf(interaction),
      text: input.text,
      messageId: replyId,
      ...(input.options ? { options: input.options } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    });
  }

  private async downloadAttachments(
    interaction: ChatInputCommandInteraction,
  ): Promise<IncomingAttachment[]> {
    const attached = interaction.options.data.flatMap((option) =>
      option.attachment ? [option.attachment] : [],
    );
    return Promise.all(
      attached.map((attachment) =>
        downloadAttachment(attachment, this.options.uploadDir, MAX_IMAGE_DOWNLOAD),
      ),
    );
  }

  private async onReaction(
    reaction: MessageReaction | PartialMessageReaction,
    user: User | PartialUser,
    added: boolean,
  ): Promise<void> {
    const { message } = reaction;
    const emoji = reaction.emoji.id
      ? `<:${reaction.emoji.name}:${reaction.emoji.id}>`
      : reaction.emoji.name;
    if (!message.guildId || !emoji) return;
    try {
      await this.handlers?.reaction({
        workspaceId: message.guildId,
        channelId: message.channelId,
        messageId: message.id,
        user: {
          id: user.id,
          name: user.globalName ?? user.username ?? user.id,
          isBot: user.id === this.client.user?.id || user.bot === true,
        },
        emoji,
        added,
      });
    } catch (error) {
      this.options.log.error({ err: error, messageId: message.id }, 'reaction failed');
    }
  }

  /** The first answer replaces the deferred "thinking…"; later ones are follow-ups. */
  private async postThroughInteraction(
    reply: InteractionReply,
    content: string,
    files: AttachmentBuilder[],
    message: OutgoingMessage,
  ): Promise<string> {
    const { interaction } = reply;
    const text = fitContent(content);
    const ephemeral = message.visibleTo ? { flags: MessageFlags.Ephemeral as const } : {};
    if (!reply.answered) {
      reply.answered = true;
      if (message.visibleTo && !interaction.ephemeral) {
        // e.g. a refused /video: only its author should see why, so the public reply goes.
        await interaction.deleteReply();
        return (await interaction.followUp({ content: text, files, ...ephemeral })).id;
      }
      return (await interaction.editReply({ content: text, files })).id;
    }
    const sent = await interaction.followUp({ content: text, files, ...ephemeral });
    this.replies.addFollowUp(reply, sent.id);
    return sent.id;
  }

  private tokenExpired(reply: InteractionReply): void {
    this.replies.expire(reply);
    this.options.log.info(
      { interaction: reply.interaction.id },
      'interaction token no longer valid; using the channel',
    );
  }

  private async sendableChannel(channelId: string): Promise<SendableChannels> {
    const channel = await this.client.channels.fetch(channelId);
    if (!channel?.isSendable()) {
      throw new Error(`Discord channel ${channelId} is not a channel the bot can send to`);
    }
    return channel;
  }

  /** The server's limit (as Discord sent it with the command, else by boost tier), capped. */
  private uploadLimit(channelId: string, reply: InteractionReply | undefined): number {
    const channel = this.client.channels.cache.get(channelId);
    const guildLimit =
      reply?.attachmentSizeLimit ??
      uploadLimitOfTier(channel && 'guild' in channel ? channel.guild.premiumTier : undefined);
    return Math.min(guildLimit, this.options.maxUploadBytes ?? Infinity);
  }
}

function userOf(interaction: ChatInputCommandInteraction): ChatUser {
  const member = interaction.member;
  const nick = member && 'displayName' in member ? member.displayName : member?.nick;
  return { id: interaction.user.id, name: nick ?? interaction.user.displayName, isBot: false };
}

function fitContent(text: string): string {
  return text.length <= MAX_CONTENT ? text : `${text.slice(0, MAX_CONTENT - 1)}…`;
}
