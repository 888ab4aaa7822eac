// What the fake Discord knows: its servers (one by default, more for sharding), each with one
// text channel, their members, the messages the bot posted (with their reactions, edits and
// files) and the interaction tokens. Payloads
// are built in Discord's own JSON shapes so discord.js parses them as it parses Discord's.
import { PermissionFlagsBits, SnowflakeUtil } from 'discord.js';

export const snowflake = (): string => SnowflakeUtil.generate().toString();

export interface FakeUser {
  id: string;
  username: string;
  bot: boolean;
  /** Permissions Discord computes for the member (sent with their interactions). */
  permissions: bigint;
}

export interface FakeFile {
  filename: string;
  size: number;
  contentType: string;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  content: string;
  files: FakeFile[];
  flags: number;
  /** How it was created: the deferred interaction reply, a follow-up, or a channel message. */
  via: 'interaction' | 'followup' | 'channel';
  replyTo?: string;
  deleted: boolean;
  /** Every content it had, oldest first (edits included). */
  contents: string[];
  /** Emoji → user ids, in the order they reacted. */
  reactions: Map<string, string[]>;
}

/** A server (guild) with its one text channel. */
export interface FakeServer {
  guildId: string;
  channelId: string;
  adminRoleId: string;
}

/** A gateway session's shard: `[id, count]`, as in IDENTIFY and READY. */
export type Shard = [number, number];

/** The shard Discord sends a guild's events to: (guild_id >> 22) % shard count. */
export function shardOfGuild(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

export interface FakeInteraction {
  id: string;
  token: string;
  userId: string;
  channelId: string;
  dispatchedAt: number;
  /** When the bot answered (deferred), ms after the dispatch. */
  answeredAfterMs?: number;
  responseType?: number;
  originalMessageId?: string;
  /** Discord stops accepting the token (Unknown Webhook). */
  expired: boolean;
  /** What Discord said the channel accepts for this interaction (attachment_size_limit). */
  attachmentSizeLimit?: number;
  /** An autocomplete request (type 4): answered with choices, never with a message. */
  autocomplete?: boolean;
  /** The choices of an autocomplete answer (response type 8). */
  choices?: { name: string; value: string | number }[];
}

const BASIC_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory;
export const MEMBER_PERMISSIONS = BASIC_PERMISSIONS;
export const ADMIN_PERMISSIONS = BASIC_PERMISSIONS | PermissionFlagsBits.ManageGuild;
const BOT_PERMISSIONS = BASIC_PERMISSIONS | PermissionFlagsBits.ManageMessages;

/**
 * Discord's published upload limits by boost tier (10 MiB, tier 2: 50 MiB, tier 3: 100 MiB),
 * written here apart from the bot's own table so that a wrong table in the bot fails a test.
 */
const UPLOAD_LIMIT_BY_TIER = [10, 10, 50, 100].map((mib) => mib * 2 ** 20);

export class World {
  readonly applicationId = snowflake();
  readonly guildId = snowflake();
  readonly channelId = snowflake();
  readonly adminRoleId = snowflake();
  /** Every server the bot is in; the first is the one above. */
  readonly servers: FakeServer[] = [
    { guildId: this.guildId, channelId: this.channelId, adminRoleId: this.adminRoleId },
  ];
  /** Shards GET /gateway/bot recommends. */
  recommendedShards = 1;
  readonly bot: FakeUser = {
    id: snowflake(),
    username: 'firstframe',
    bot: true,
    permissions: BOT_PERMISSIONS,
  };
  readonly users = new Map<string, FakeUser>([[this.bot.id, this.bot]]);
  readonly messages = new Map<string, FakeMessage>();
  readonly interactions = new Map<string, FakeInteraction>();
  premiumTier = 0;
  /** Permissions the channel takes away from the bot (a member overwrite on the channel). */
  botDenied = 0n;
  /**
   * What Discord accepts on a channel message, when tests make it lower than the boost tier's
   * limit the bot knows (as after a boost lost while the bot's cache missed it).
   */
  channelUploadLimit: number | undefined;

  constructor(readonly gatewayUrl: () => string) {}

  /** Another server the bot is in, with a guild id on `shard` of `count` shards. */
  addServer(shard: number, count: number): FakeServer {
    // A snowflake's shard is set by its timestamp (ms): step back until it lands there.
    let timestamp = Date.now();
    while (shardOfGuild(SnowflakeUtil.generate({ timestamp }).toString(), count) !== shard) {
      timestamp -= 1;
    }
    const server = {
      guildId: SnowflakeUtil.generate({ timestamp }).toString(),
      channelId: snowflake(),
      adminRoleId: snowflake(),
    };
    this.servers.push(server);
    return server;
  }

  /** The server of a guild or channel id; undefined when the bot is in no such server. */
  server(id: string): FakeServer | undefined {
    return this.servers.find((server) => server.guildId === id || server.channelId === id);
  }

  /** The servers a gateway session on `shard` is sent. */
  serversOn([id, count]: Shard): FakeServer[] {
    return this.servers.filter((server) => shardOfGuild(server.guildId, count) === id);
  }

  addUser(username: string, permissions = MEMBER_PERMISSIONS): FakeUser {
    const user = { id: snowflake(), username, bot: false, permissions };
    this.users.set(user.id, user);
    return user;
  }

  user(id: string): FakeUser {
    const user = this.users.get(id);
    if (!user) throw new Error(`fake Discord: no user ${id}`);
    return user;
  }

  /** The bot's permissions in the channel: its role's, less the channel's overwrite. */
  botPermissions(): bigint {
    return this.bot.permissions & ~this.botDenied;
  }

  /** The largest file Discord takes on a channel message. */
  uploadLimit(): number {
    return (
      this.channelUploadLimit ?? UPLOAD_LIMIT_BY_TIER[this.premiumTier] ?? UPLOAD_LIMIT_BY_TIER[0]!
    );
  }

  userPayload(user: FakeUser) {
    return {
      id: user.id,
      username: user.username,
      global_name: user.bot ? null : user.username,
      discriminator: '0',
      avatar: null,
      public_flags: 0,
      flags: 0,
      primary_guild: null,
      ...(user.bot ? { bot: true } : {}),
    };
  }

  memberPayload(user: FakeUser, server = this.servers[0]!) {
    const admin = (user.permissions & PermissionFlagsBits.ManageGuild) !== 0n;
    return {
      user: this.userPayload(user),
      nick: null,
      roles: admin ? [server.adminRoleId] : [],
      joined_at: '2026-01-01T00:00:00.000Z',
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
    };
  }

  channelPayload(server = this.servers[0]!) {
    return {
      id: server.channelId,
      type: 0,
      guild_id: server.guildId,
      name: 'videos',
      position: 0,
      permission_overwrites:
        this.botDenied === 0n
          ? []
          : [{ id: this.bot.id, type: 1, allow: '0', deny: this.botDenied.toString() }],
      nsfw: false,
      topic: null,
      last_message_id: null,
      rate_limit_per_user: 0,
      parent_id: null,
    };
  }

  rolePayload(id: string, name: string, permissions: bigint, position: number) {
    return {
      id,
      name,
      permissions: permissions.toString(),
      position,
      color: 0,
      hoist: false,
      managed: false,
      mentionable: false,
      flags: 0,
    };
  }

  guildPayload(server = this.servers[0]!) {
    return {
      id: server.guildId,
      name: 'Fake server',
      icon: null,
      owner_id: snowflake(),
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      premium_tier: this.premiumTier,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      features: [],
      roles: [
        this.rolePayload(server.guildId, '@everyone', MEMBER_PERMISSIONS, 0),
        this.rolePayload(server.adminRoleId, 'admins', ADMIN_PERMISSIONS, 1),
      ],
      emojis: [],
      stickers: [],
      channels: [this.channelPayload(server)],
      threads: [],
      members: [this.memberPayload(this.bot, server)],
      member_count: this.users.size,
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      large: false,
      unavailable: false,
      joined_at: '2026-01-01T00:00:00.000Z',
    };
  }

  readyPayload(shard: Shard = [0, 1]) {
    return {
      v: 10,
      user: { ...this.userPayload(this.bot), verified: true, mfa_enabled: false, flags: 0 },
      guilds: this.serversOn(shard).map((server) => ({ id: server.guildId, unavailable: true })),
      session_id: `fake-session-${shard[0]}`,
      resume_gateway_url: this.gatewayUrl(),
      shard,
      application: { id: this.applicationId, flags: 0 },
    };
  }

  messagePayload(message: FakeMessage) {
    const fromInteraction = message.via !== 'channel';
    const guildId = this.server(message.channelId)?.guildId ?? this.guildId;
    return {
      id: message.id,
      channel_id: message.channelId,
      guild_id: guildId,
      author: this.userPayload(this.bot),
      content: message.content,
      timestamp: new Date(SnowflakeUtil.timestampFrom(message.id)).toISOString(),
      edited_timestamp: message.contents.length > 1 ? new Date().toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: message.files.map((file, index) => ({
        id: `${message.id}${index}`,
        filename: file.filename,
        size: file.size,
        content_type: file.contentType,
        url: `https://cdn.invalid/${file.filename}`,
        proxy_url: `https://cdn.invalid/${file.filename}`,
      })),
      embeds: [],
      components: [],
      pinned: false,
      type: message.replyTo ? 19 : fromInteraction ? 20 : 0,
      flags: message.flags,
      ...(fromInteraction
        ? { webhook_id: this.applicationId, application_id: this.applicationId }
        : {}),
      ...(message.replyTo
        ? {
            message_reference: {
              type: 0,
              message_id: message.replyTo,
              channel_id: message.channelId,
              guild_id: guildId,
            },
          }
        : {}),
    };
  }

  addMessage(
    fields: Pick<FakeMessage, 'content' | 'files' | 'flags' | 'via'> & {
      replyTo?: string | undefined;
      /** Default: the first server's channel. */
      channelId?: string;
    },
  ): FakeMessage {
    const message: FakeMessage = {
      id: snowflake(),
      channelId: fields.channelId ?? this.channelId,
      content: fields.content,
      files: fields.files,
      flags: fields.flags,
      via: fields.via,
      ...(fields.replyTo ? { replyTo: fields.replyTo } : {}),
      deleted: false,
      contents: [fields.content],
      reactions: new Map(),
    };
    this.messages.set(message.id, message);
    return message;
  }
}
