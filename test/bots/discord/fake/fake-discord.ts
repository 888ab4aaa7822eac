// Discord faked at the wire: a gateway (WebSocket) and a REST API (HTTP) on 127.0.0.1, sharing
// one World. The real discord.js client connects to them unchanged: its REST base URL is the
// `api` option, and the gateway URL comes from GET /gateway/bot like on Discord.
// Tests act as Discord's users: `command` dispatches INTERACTION_CREATE, `react` dispatches
// MESSAGE_REACTION_ADD/REMOVE; the bot's own REST calls change the World (and, for reactions,
// come back through the gateway, as on Discord).
import { randomBytes } from 'node:crypto';
import { FakeGateway } from './gateway.js';
import { FakeRest } from './rest.js';
import {
  snowflake,
  World,
  type FakeInteraction,
  type FakeMessage,
  type FakeServer,
  type FakeUser,
} from './world.js';

export type { FakeInteraction, FakeMessage, FakeServer, FakeUser } from './world.js';
export { ADMIN_PERMISSIONS, MEMBER_PERMISSIONS } from './world.js';

/** Option types of Discord's interaction payloads. */
const OPTION_TYPE = { subcommand: 1, string: 3, integer: 4, user: 6, number: 10, attachment: 11 };

export interface CommandOptions {
  /** Plain options: strings, integers (whole numbers) and numbers. */
  values?: Record<string, string | number>;
  /** Invokes this subcommand (e.g. `set` of /quota-admin). */
  subcommand?: string;
  /** User options: name → user. */
  users?: Record<string, FakeUser>;
  /** An attached file (served by the fake CDN). */
  attachment?: { option: string; name: string; contentType: string; data: Buffer };
  /** What Discord says the channel accepts (`attachment_size_limit`). */
  attachmentSizeLimit?: number;
  /** Where it is typed (default: the first server). */
  server?: FakeServer;
}

export class FakeDiscord {
  private constructor(
    readonly world: World,
    readonly gateway: FakeGateway,
    readonly rest: FakeRest,
    /** The bot token the REST API accepts. */
    readonly token: string,
  ) {}

  static async start(): Promise<FakeDiscord> {
    let gatewayUrl = '';
    const world = new World(() => gatewayUrl);
    const gateway = await FakeGateway.start({
      ready: (shard) => world.readyPayload(shard),
      guilds: (shard) => world.serversOn(shard).map((server) => world.guildPayload(server)),
    });
    gatewayUrl = gateway.url;
    const token = `fake.${randomBytes(8).toString('hex')}`;
    const rest = await FakeRest.start(world, token, {
      reaction: (message, userId, emoji, added) => {
        gateway.dispatch(
          added ? 'MESSAGE_REACTION_ADD' : 'MESSAGE_REACTION_REMOVE',
          reactionPayload(world, message, world.user(userId), emoji, added),
        );
      },
    });
    return new FakeDiscord(world, gateway, rest, token);
  }

  get api(): string {
    return this.rest.api;
  }

  /** A member of the server types a slash command. */
  command(user: FakeUser, name: string, options: CommandOptions = {}): FakeInteraction {
    return this.interact(user, name, options);
  }

  /**
   * A member types into an option registered with autocomplete: Discord asks the bot for
   * choices (interaction type 4, the option being typed marked `focused`); the answer (response
   * type 8) lands in the interaction's `choices`.
   */
  autocomplete(
    user: FakeUser,
    name: string,
    focused: string,
    values: Record<string, string | number>,
  ): FakeInteraction {
    return this.interact(user, name, { values }, focused);
  }

  private interact(
    user: FakeUser,
    name: string,
    options: CommandOptions,
    focused?: string,
  ): FakeInteraction {
    const server = options.server ?? this.world.servers[0]!;
    const interaction: FakeInteraction = {
      id: snowflake(),
      token: `itoken-${randomBytes(12).toString('hex')}`,
      userId: user.id,
      channelId: server.channelId,
      dispatchedAt: Date.now(),
      expired: false,
      ...(focused === undefined ? {} : { autocomplete: true }),
      ...(options.attachmentSizeLimit ? { attachmentSizeLimit: options.attachmentSizeLimit } : {}),
    };
    this.world.interactions.set(interaction.id, interaction);
    const resolved: Record<string, Record<string, unknown>> = {};
    let list: unknown[] = Object.entries(options.values ?? {}).map(([optionName, value]) => ({
      name: optionName,
      type:
        typeof value === 'string'
          ? OPTION_TYPE.string
          : Number.isInteger(value)
            ? OPTION_TYPE.integer
            : OPTION_TYPE.number,
      value,
      ...(optionName === focused ? { focused: true } : {}),
    }));
    for (const [optionName, target] of Object.entries(options.users ?? {})) {
      list.push({ name: optionName, type: OPTION_TYPE.user, value: target.id });
      resolved.users = { ...resolved.users, [target.id]: this.world.userPayload(target) };
    }
    if (options.attachment) {
      const { option, name: filename, contentType, data } = options.attachment;
      const id = snowflake();
      this.rest.cdn.set(`${id}/${filename}`, data);
      list.push({ name: option, type: OPTION_TYPE.attachment, value: id });
      const url = `${this.rest.origin}/files/${id}/${filename}`;
      resolved.attachments = {
        [id]: { id, filename, size: data.length, content_type: contentType, url, proxy_url: url },
      };
    }
    if (options.subcommand) {
      list = [{ name: options.subcommand, type: OPTION_TYPE.subcommand, options: list }];
    }
    this.gateway.dispatch('INTERACTION_CREATE', {
      id: interaction.id,
      application_id: this.world.applicationId,
      type: focused === undefined ? 2 : 4,
      token: interaction.token,
      version: 1,
      guild_id: server.guildId,
      channel_id: server.channelId,
      channel: { ...this.world.channelPayload(server), permissions: user.permissions.toString() },
      member: {
        ...this.world.memberPayload(user, server),
        permissions: user.permissions.toString(),
      },
      app_permissions: this.world.botPermissions().toString(),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': server.guildId },
      context: 0,
      ...(options.attachmentSizeLimit
        ? { attachment_size_limit: options.attachmentSizeLimit }
        : {}),
      data: {
        id: `${name}-id`,
        name,
        type: 1,
        options: list,
        ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
      },
    });
    return interaction;
  }

  /**
   * A server admin takes permissions from the bot in the channel (a member overwrite; none:
   * gives them back); Discord tells the bot with CHANNEL_UPDATE.
   */
  denyBot(permissions: bigint): void {
    this.world.botDenied = permissions;
    this.gateway.dispatch('CHANNEL_UPDATE', this.world.channelPayload());
  }

  /** A member adds (or takes back) a reaction in the Discord client. */
  react(user: FakeUser, message: FakeMessage, emoji: string, added = true): void {
    this.rest.react(message, user.id, emoji, added);
  }

  /** The bot's messages, oldest first, not deleted. */
  messages(): FakeMessage[] {
    return [...this.world.messages.values()].filter((message) => !message.deleted);
  }

  async close(): Promise<void> {
    await this.gateway.close();
    await this.rest.close();
  }
}

function reactionPayload(
  world: World,
  message: FakeMessage,
  user: FakeUser,
  emoji: string,
  added: boolean,
) {
  const server = world.server(message.channelId) ?? world.servers[0]!;
  return {
    user_id: user.id,
    channel_id: message.channelId,
    message_id: message.id,
    guild_id: server.guildId,
    emoji: { id: null, name: emoji },
    burst: false,
    type: 0,
    ...(added
      ? { member: world.memberPayload(user, server), message_author_id: world.bot.id }
      : {}),
  };
}
