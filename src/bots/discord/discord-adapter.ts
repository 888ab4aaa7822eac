// Discord as a chat platform, on discord.js 14. A /video is checked first (the bot's permissions
// in the channel, then the service's validation and quota): a refusal is an ephemeral reply,
// an accepted request is deferred publicly and the flow's first message replaces the
// "thinking…"; later ones are follow-ups, ephemeral for notes to one person. Private commands
// (/quota, /history, …) are deferred ephemerally at once. The interaction token expires after
// 15 minutes, so from then on (or when Discord says the webhook is gone) messages are sent and
// edited through the channel.
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
  type ClientOptions,
  type Interaction,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  type SendableChannels,
  type User,
} from 'discord.js';
import type { IncomingAttachment } from '../../core/commands/types.js';
import { withTime } from '../../core/flow/text.js';
import type { TextTime } from '../../core/flow/types.js';
import type { Logger } from '../../log.js';
import {
  type ChatAdapter,
  type ChatHandlers,
  type ChatUser,
  type MessageRef,
  type OutgoingMessage,
} from '../chat-adapter.js';
import { answerAutocomplete } from './autocomplete.js';
import { deliveryErrorOf } from './delivery-errors.js';
import { commandsByName, SLASH_COMMANDS, type SlashCommand } from './commands/index.js';
import { downloadAttachment, removeDownloads } from './image-download.js';
import {
  InteractionReplies,
  inTurn,
  isExpiredTokenError,
  type InteractionReply,
} from './interaction-replies.js';
import { cannotMakeVideos, missingForFlow } from './permissions.js';
import type { ShardSet } from './sharding.js';
import type { ShrinkVideo } from './upload-limit.js';
import { UploadPaths } from './upload-paths.js';

export const DISCORD_PLATFORM = 'discord';

/** Discord refuses message content over 2000 characters. */
const MAX_CONTENT = 2000;
/** Images attached to /video larger than this are not even downloaded (the core allows less). */
const MAX_IMAGE_DOWNLOAD = 25 * 1024 * 1024;
/** How long the permissions Discord sent with a command stand for that member. */
const PERMISSIONS_FRESH_MS = 60_000;
/** Discord drops an interaction not acknowledged within 3 s. */
const ACKNOWLEDGE_WITHIN_MS = 2_000;
/** The private "thinking…" of a slow /video, once the request is accepted. */
const ACCEPTED_PRIVATELY = 'Accepted: your video is being made, below.';
/** A public "thinking…" closed before a private note (see postThroughInteraction). */
const NOT_HANDLED = 'This request could not be handled; its author has been told why.';

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
  /** How long a /video may wait for the service before it is deferred privately (2 s). */
  acknowledgeWithinMs?: number;
  commands?: readonly SlashCommand[];
  /** The gateway shards this client runs (default: no sharding, shard 0 of 1). */
  shards?: ShardSet;
}

export class DiscordChatAdapter implements ChatAdapter {
  readonly platform = DISCORD_PLATFORM;
  readonly client: Client;
  private readonly commands: ReadonlyMap<string, SlashCommand>;
  private readonly replies: InteractionReplies;
  private readonly permissions = new Map<string, { admin: boolean; at: number }>();
  private readonly uploads: UploadPaths;
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
      ...shardOptions(options.shards),
    });
    this.uploads = new UploadPaths({
      client: this.client,
      now: this.now,
      maxUploadBytes: options.maxUploadBytes,
      shrinkVideo: options.shrinkVideo,
      artifactUrl: options.artifactUrl,
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
      return { channelId, messageId: await this.send(channelId, message) };
    } catch (error) {
      const context = { channelId, missing: this.missingInChannel(channelId) };
      throw deliveryErrorOf(error, message, context) ?? error;
    }
  }

  /**
   * Through the interaction while its token lives, else through the channel. A note for one
   * person that belongs to no live interaction of theirs (e.g. "pick a frame first") goes as a
   * private follow-up on their latest command here, if its token lives.
   */
  private async send(channelId: string, message: OutgoingMessage): Promise<string> {
    const { visibleTo } = message;
    const threaded = this.replies.usable(message.replyTo);
    // An ephemeral follow-up is seen by the interaction's user: only theirs for a private note.
    const reply =
      threaded && (visibleTo === undefined || threaded.userId === visibleTo)
        ? threaded
        : visibleTo
          ? this.replies.latestAnswered(channelId, visibleTo)
          : undefined;
    if (reply) {
      try {
        return await this.uploads.throughInteraction(channelId, reply, message, (content, files) =>
          this.postThroughInteraction(reply, content, files, visibleTo !== undefined),
        );
      } catch (error) {
        if (!isExpiredTokenError(error)) throw error;
        this.tokenExpired(reply);
      }
    }
    return this.uploads.throughChannel(channelId, message, (content, files) =>
      this.postToChannel(channelId, content, files, message),
    );
  }

  private async postToChannel(
    channelId: string,
    content: string,
    files: AttachmentBuilder[],
    message: OutgoingMessage,
  ): Promise<string> {
    const channel = await this.sendableChannel(channelId);
    // A channel message cannot be shown to one person: past the token, a note for the
    // requester replies to their request (or their latest command's public answer) and names
    // them without pinging (no allowed mentions). Least noise: no notification for a side
    // note, and it sits under what it is about.
    const replyTo =
      message.replyTo ??
      (message.visibleTo
        ? this.replies.latestPublic(channelId, message.visibleTo)?.originalId
        : undefined);
    const mention = message.visibleTo ? `<@${message.visibleTo}> ` : '';
    const sent = await channel.send({
      content: fitContent(mention + content),
      files,
      allowedMentions: { parse: [], users: [], repliedUser: false },
      ...(replyTo ? { reply: { messageReference: replyTo, failIfNotExists: false } } : {}),
    });
    return sent.id;
  }

  async edit(ref: MessageRef, text: string, options?: { time?: TextTime }): Promise<void> {
    const content = fitContent(withTime(text, options?.time, discordTime));
    const reply = this.replies.usable(ref.messageId);
    if (reply) {
      try {
        await inTurn(reply, async () => {
          const original = ref.messageId === reply.originalId;
          await reply.interaction.editReply({
            message: original ? '@original' : ref.messageId,
            content,
          });
          if (original) reply.loading = false;
        });
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
    if (interaction.isAutocomplete()) {
      const command = this.commands.get(interaction.commandName);
      const context = { vocabulary: this.handlers?.vocabulary };
      return answerAutocomplete(interaction, command, context, this.options.log);
    }
    if (!interaction.isChatInputCommand()) return;
    const command = this.commands.get(interaction.commandName);
    let reply: InteractionReply | undefined;
    try {
      if (!command || !interaction.inGuild()) {
        await interaction.reply({
          content: command ? 'Use this command in a server channel.' : 'Unknown command.',
          flags: MessageFlags.Ephemeral,
        });
        return;
      }
      // A command answered in the channel (/video) needs there what the flow needs, checked
      // before anything is queued or charged. Private answers go through the interaction,
      // which needs no permission in the channel.
      if (!command.ephemeral) {
        const inThread = interaction.channel?.isThread() ?? false;
        const missing = missingForFlow(interaction.appPermissions, inThread);
        if (missing.length > 0) {
          await interaction.reply({
            content: cannotMakeVideos(interaction.channelId, missing),
            flags: MessageFlags.Ephemeral,
          });
          return;
        }
      }
      reply = this.replies.add(interaction, this.now());
      await this.runCommand(interaction, command, reply);
    } catch (error) {
      this.options.log.error({ err: error, command: interaction.commandName }, 'command failed');
      const content = 'Sorry, something went wrong on our side; please try again.';
      const answer = reply
        ? this.postThroughInteraction(reply, content, [], true)
        : interaction.reply({ content, flags: MessageFlags.Ephemeral });
      await answer.catch(() => {});
    }
  }

  private async runCommand(
    interaction: ChatInputCommandInteraction<'cached' | 'raw'>,
    command: SlashCommand,
    reply: InteractionReply,
  ): Promise<void> {
    if (interaction.memberPermissions) {
      this.permissions.set(`${interaction.guildId}:${interaction.user.id}`, {
        admin: interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild),
        at: reply.receivedAt,
      });
    }
    let deadline: NodeJS.Timeout | undefined;
    if (command.ephemeral) {
      // Answered privately whatever the outcome: acknowledged at once.
      await inTurn(reply, () => this.defer(reply, 'private'));
    } else {
      // Validated before it is acknowledged: a refusal is an ephemeral reply, an accepted
      // request is deferred publicly (announce). Discord drops an interaction not answered
      // within 3 s: if the bot takes longer, it defers privately, and an accepted request then
      // gets a public follow-up.
      deadline = setTimeout(() => {
        inTurn(reply, () => this.defer(reply, 'private')).catch((error: unknown) =>
          this.options.log.error({ err: error }, 'could not acknowledge the command'),
        );
      }, this.options.acknowledgeWithinMs ?? ACKNOWLEDGE_WITHIN_MS);
    }
    let attachments: IncomingAttachment[] = [];
    let accepted = false;
    try {
      const input = command.toInput(interaction);
      attachments = await this.downloadAttachments(interaction);
      await this.handlers?.command({
        workspaceId: interaction.guildId,
        channelId: interaction.channelId,
        user: userOf(interaction),
        text: input.text,
        // Until the request is answered, the service's replies name the interaction itself.
        messageId: interaction.id,
        ...(command.ephemeral
          ? {}
          : {
              announce: () => {
                accepted = true;
                return this.announce(reply);
              },
            }),
        ...(input.options ? { options: input.options } : {}),
        ...(attachments.length > 0 ? { attachments } : {}),
      });
    } finally {
      clearTimeout(deadline);
      // Only an accepted request's image is read later (by the engine); a refused one is
      // deleted at once, whatever refused it (its bytes, words, options or the quota).
      if (!accepted) await removeDownloads(attachments);
    }
  }

  /** Acknowledges with "thinking…" (call in the reply's turn). */
  private async defer(reply: InteractionReply, visibility: 'public' | 'private'): Promise<void> {
    if (reply.acked) return;
    const response = await reply.interaction.deferReply({
      withResponse: true,
      ...(visibility === 'private' ? { flags: MessageFlags.Ephemeral } : {}),
    });
    reply.acked = visibility;
    reply.loading = true;
    if (visibility === 'public') reply.fillNext = '@original';
    this.setOriginal(
      reply,
      response.interaction.responseMessageId ?? (await reply.interaction.fetchReply()).id,
    );
  }

  /** The service accepted the request: the message everyone sees, which the flow fills. */
  private announce(reply: InteractionReply): Promise<string | undefined> {
    return inTurn(reply, async () => {
      if (!reply.acked) await this.defer(reply, 'public');
      if (reply.acked === 'public') return reply.originalId;
      // Deferred privately (the bot was slow): that "thinking…" is told the request was
      // accepted, and a public follow-up becomes the message the flow fills.
      if (reply.loading) {
        await reply.interaction.editReply({ content: ACCEPTED_PRIVATELY });
        reply.loading = false;
      }
      const placeholder = await reply.interaction.followUp({ content: '⏳' });
      this.replies.addMessage(reply, placeholder.id);
      reply.fillNext = placeholder.id;
      return placeholder.id;
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

  /**
   * Answers through the interaction: the first answer is the reply itself (or replaces the
   * deferred "thinking…"), later ones are follow-ups; `visibleTo` makes them ephemeral.
   */
  private postThroughInteraction(
    reply: InteractionReply,
    content: string,
    files: AttachmentBuilder[],
    ephemeral: boolean,
  ): Promise<string> {
    return inTurn(reply, async () => {
      const { interaction } = reply;
      const text = fitContent(content);
      if (!reply.acked) {
        const response = await interaction.reply({
          content: text,
          files,
          withResponse: true,
          ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
        });
        reply.acked = ephemeral ? 'private' : 'public';
        return this.setOriginal(
          reply,
          response.interaction.responseMessageId ?? (await interaction.fetchReply()).id,
        );
      }
      if (ephemeral && reply.loading) {
        if (reply.acked === 'private') {
          await interaction.editReply({ content: text, files });
          reply.loading = false;
          return reply.originalId as string;
        }
        // After a public defer, Discord ignores the ephemeral flag of the first follow-up (it
        // replaces the "thinking…" for everyone): that one is closed first in words anyone may
        // read, and the note follows privately.
        await interaction.editReply({ content: NOT_HANDLED });
        reply.loading = false;
        delete reply.fillNext;
      }
      if (!ephemeral && reply.fillNext) {
        const target = reply.fillNext;
        await interaction.editReply({ message: target, content: text, files });
        delete reply.fillNext;
        if (target !== '@original') return target;
        reply.loading = false;
        return reply.originalId as string;
      }
      const sent = await interaction.followUp({
        content: text,
        files,
        ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
      });
      this.replies.addMessage(reply, sent.id);
      return sent.id;
    });
  }

  private setOriginal(reply: InteractionReply, messageId: string): string {
    reply.originalId = messageId;
    this.replies.addMessage(reply, messageId);
    return messageId;
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

  /** What the flow needs in the channel that the bot lacks, as its cache (roles, overwrites) says. */
  private missingInChannel(channelId: string): string[] {
    const channel = this.client.channels.cache.get(channelId);
    const me = this.client.user;
    if (!channel || !me || !('permissionsFor' in channel)) return [];
    const permissions = channel.permissionsFor(me);
    return permissions ? missingForFlow(permissions, channel.isThread()) : [];
  }
}

function userOf(interaction: ChatInputCommandInteraction): ChatUser {
  const member = interaction.member;
  const nick = member && 'displayName' in member ? member.displayName : member?.nick;
  return { id: interaction.user.id, name: nick ?? interaction.user.displayName, isBot: false };
}

/** Discord's own time markup, relative ("in 59 seconds"), kept current by each reader's client. */
function discordTime(at: number): string {
  return `<t:${Math.floor(at / 1000)}:R>`;
}

function fitContent(text: string): string {
  return text.length <= MAX_CONTENT ? text : `${text.slice(0, MAX_CONTENT - 1)}…`;
}

/** discord.js' client options for a shard set ('auto': the count GET /gateway/bot recommends). */
function shardOptions(shards: ShardSet | undefined): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (shards === undefined) return {};
  if (shards === 'auto') return { shards: 'auto' };
  return { shards: shards.ids, shardCount: shards.count };
}
