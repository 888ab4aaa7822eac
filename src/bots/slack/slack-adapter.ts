// Slack as a chat platform, with @slack/bolt: slash commands and reaction events come in
// (over HTTP with signed requests, or over Socket Mode), and the flow's messages go out through
// the Web API. Conventions of the interface are in src/bots/chat-adapter.ts; Slack specifics:
// - `/video` is acknowledged at once (Slack wants an answer within 3 s); then a public
//   message repeats the request, and everything about it goes into that message's thread.
// - Answers only the requester should see use the command's response_url while it is good,
//   else chat.postEphemeral.
// - Slack only lets an app remove its own reactions, so `removeReaction` does nothing.
// - Rate limits: progress edits come at most every 5 s (`minProgressEditIntervalMs`) and go
//   through a client of their own that gives up on a 429 (the edit is dropped, and no progress
//   edit is sent until Retry-After has passed), so the app's client, which pauses all its calls
//   on a 429, never waits behind them: votes, uploads and milestone edits go on.
// - Events API redeliveries (X-Slack-Retry-Num, same event_id) are dropped.
// - One workspace (a bot token), or many (OAuth installs at /slack/install, each workspace's
//   token sealed in the database): see workspaces.ts.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  App,
  HTTPReceiver,
  SocketModeReceiver,
  type InstallationStore,
  type RespondFn,
  type SlashCommand,
  webApi,
} from '@slack/bolt';
import { withTime } from '../../core/flow/text.js';
import type { TextTime } from '../../core/flow/types.js';
import type { Logger } from '../../log.js';
import type {
  ChatAdapter,
  ChatHandlers,
  ChatUser,
  MessageRef,
  OutgoingMessage,
} from '../chat-adapter.js';
import { boltLogger } from './bolt-logger.js';
import { deliveryErrorOf, rateLimitOf, slackError } from './delivery-errors.js';
import { emojiOfSlackName, slackNameOf } from './emoji.js';
import { RecentIds } from './recent-ids.js';
import { CommandResponders } from './responders.js';
import { escapeSlackText, slackTime, unescapeSlackText } from './text.js';
import { uploadToThread } from './uploads.js';
import { SlackWorkspaces } from './workspaces.js';

export const SLACK_PLATFORM = 'slack';

/** The slash commands the app registers (see docs/slack.md for the manifest). */
export const SLACK_COMMANDS = [
  '/video',
  '/video-history',
  '/video-quota',
  '/video-info',
  '/video-queue',
  '/video-settings',
  '/video-help',
] as const;

/** The bot scopes the app asks for when a workspace installs it (docs/slack.md's manifest). */
export const SLACK_SCOPES = [
  'commands',
  'chat:write',
  'reactions:read',
  'reactions:write',
  'files:write',
  'files:read',
  'users:read',
] as const;

export type SlackConnection =
  /** Slack posts to http(s)://<public host>/slack/events; requests are checked with the secret. */
  | { mode: 'http'; signingSecret: string; port: number; host?: string }
  /** The app opens a WebSocket to Slack (app-level token xapp-…); no public URL needed. */
  | { mode: 'socket'; appToken: string };

/** Installs in many workspaces through OAuth (HTTP mode): `/slack/install`, `/slack/oauth_redirect`. */
export interface SlackInstalls {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  installationStore: InstallationStore;
}

export interface SlackAdapterOptions {
  /** One workspace: its bot token (xoxb-…). */
  botToken?: string;
  /** Many workspaces, each with its own token (instead of `botToken`). */
  installs?: SlackInstalls;
  connection: SlackConnection;
  /** Slack user ids allowed to use admin commands besides the workspace's admins and owners. */
  admins?: readonly string[];
  log: Logger;
  /** Web API base URL; tests point it at a fake Slack. Default https://slack.com/api/. */
  apiUrl?: string;
  /** Retries of a failed Web API call; default five within five minutes. */
  apiRetries?: number;
  /** Waits (ms) while looking for the message that shows an upload; see uploads.ts. */
  sharePollDelays?: readonly number[];
  /** How long start-up's auth.test waits for the Web API; default 5 s. */
  startTimeoutMs?: number;
  /** When the Web API was unreachable at start-up: how often to try again; default 30 s. */
  startRetryMs?: number;
}

/** The Web API could not be reached (no answer, refused, timed out), as opposed to a refusal. */
function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === webApi.ErrorCode.RequestError || code === webApi.ErrorCode.HTTPError;
}

interface ReactionEvent {
  user: string;
  reaction: string;
  item: { type: string; channel?: string; ts?: string };
}

interface EventEnvelope {
  event_id?: string;
  team_id?: string;
  enterprise_id?: string;
}

const NOT_IN_CHANNEL = new Set(['not_in_channel', 'channel_not_found']);
/** chat.update is a Tier 3 method (about 50 a minute per workspace): one progress edit per
 * generation every 5 s leaves room for several generations and the milestones. */
const PROGRESS_EDIT_INTERVAL_MS = 5_000;
/** A progress edit that takes longer is given up (the next one says more anyway). */
const PROGRESS_EDIT_TIMEOUT_MS = 10_000;

export class SlackChatAdapter implements ChatAdapter {
  readonly platform = SLACK_PLATFORM;
  readonly minProgressEditIntervalMs = PROGRESS_EDIT_INTERVAL_MS;
  readonly app: App;
  private readonly workspaces: SlackWorkspaces;
  private readonly log: Logger;
  private readonly httpReceiver: HTTPReceiver | undefined;
  private readonly socketReceiver: SocketModeReceiver | undefined;
  private readonly deliveredEvents = new RecentIds();
  private readonly responders = new CommandResponders();
  private handlers: ChatHandlers | undefined;
  private server: Server | undefined;
  private started = false;
  /** Reactions are handled one at a time, in the order Slack sent them. */
  private reactionChain: Promise<void> = Promise.resolve();
  private ephemeralCount = 0;
  private unreachable: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SlackAdapterOptions) {
    this.log = options.log.child({ platform: SLACK_PLATFORM });
    const logger = boltLogger(options.log);
    const common = {
      ...(options.botToken ? { token: options.botToken } : {}),
      logger,
      // The flow needs the bot's own reactions too (reported with isBot, then ignored).
      ignoreSelf: false,
      // auth.test runs in start(), not in the constructor.
      deferInitialization: true,
      clientOptions: {
        logger,
        ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
        // A generation waits for each of its calls; five tries in five minutes rides out a
        // short outage without holding a vote for half an hour (the client's default).
        retryConfig:
          options.apiRetries === undefined
            ? webApi.retryPolicies.fiveRetriesInFiveMinutes
            : { retries: options.apiRetries },
      },
    };
    const connection = options.connection;
    if (connection.mode === 'http') {
      const installs = options.installs;
      const receiver = new HTTPReceiver({
        signingSecret: connection.signingSecret,
        endpoints: '/slack/events',
        logger,
        ...(installs
          ? {
              clientId: installs.clientId,
              clientSecret: installs.clientSecret,
              stateSecret: installs.stateSecret,
              installationStore: installs.installationStore,
              scopes: [...SLACK_SCOPES],
              installerOptions: {
                // /slack/install sends people straight to Slack's consent page.
                directInstall: true,
                clientOptions: options.apiUrl ? { slackApiUrl: options.apiUrl } : {},
              },
            }
          : {}),
      });
      this.httpReceiver = receiver;
      this.app = new App({ ...common, receiver });
    } else {
      this.socketReceiver = new SocketModeReceiver({
        appToken: connection.appToken,
        logger,
        // The Socket Mode client opens its connection with its own Web API client.
        installerOptions: {
          clientOptions: options.apiUrl ? { slackApiUrl: options.apiUrl } : {},
        },
      });
      this.app = new App({ ...common, receiver: this.socketReceiver });
    }
    const clients = (token: string | undefined) => ({
      client: new webApi.WebClient(token, common.clientOptions),
      progress: new webApi.WebClient(token, {
        logger,
        ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        timeout: PROGRESS_EDIT_TIMEOUT_MS,
      }),
    });
    this.workspaces = new SlackWorkspaces(
      clients,
      this.log,
      options.botToken
        ? { token: options.botToken, client: this.app.client }
        : { authorize: (teamId) => this.authorizeTeam(teamId) },
    );
    this.listen();
  }

  /** In HTTP mode, once started: where the app listens (Slack's Request URL ends in /slack/events). */
  get url(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? `http://${address.address}:${address.port}` : undefined;
  }

  /**
   * Why Slack is not running, while its Web API was unreachable at start-up (retried in the
   * background every `startRetryMs`); undefined once started.
   */
  get unavailable(): string | undefined {
    return this.unreachable;
  }

  /**
   * Checks the token (auth.test, one quick try) and starts the app. When the Web API cannot be
   * reached, start-up goes on without Slack: this logs it, says so in `unavailable`, and tries
   * again in the background. A refusal from Slack (a bad token) still throws.
   */
  async start(handlers: ChatHandlers): Promise<void> {
    this.handlers = handlers;
    try {
      await this.connect();
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      this.retryLater(error);
    }
  }

  private retryLater(error: unknown): void {
    const every = this.options.startRetryMs ?? 30_000;
    const period = every < 1000 ? `${every} ms` : `${Math.round(every / 1000)} s`;
    this.unreachable = `its Web API did not answer (retrying every ${period})`;
    this.log.error({ err: error }, `slack: ${this.unreachable}`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch((again: unknown) => {
        if (this.handlers === undefined) return; // stopped meanwhile
        if (isUnreachable(again)) this.retryLater(again);
        else this.log.error({ err: again }, 'slack: start-up refused; Slack stays off');
      });
    }, every);
    this.retryTimer.unref();
  }

  private async connect(): Promise<void> {
    // One try with a short timeout: the app's own client retries for minutes (see above).
    // With many workspaces there is no token to check before one installs the app.
    const auth: Partial<webApi.AuthTestResponse> = this.options.botToken
      ? await this.checkToken(this.options.botToken)
      : {};
    this.workspaces.botUserId = auth.user_id;
    await this.app.init();
    const connection = this.options.connection;
    if (connection.mode === 'http') {
      this.server = (await this.app.start({
        port: connection.port,
        host: connection.host ?? '0.0.0.0',
      })) as Server;
    } else {
      await this.app.start();
    }
    this.started = true;
    this.unreachable = undefined;
    this.log.info(
      { mode: connection.mode, team: auth.team_id, botUser: auth.user_id, url: this.url },
      'slack app started',
    );
  }

  private checkToken(token: string): Promise<webApi.AuthTestResponse> {
    const probe = new webApi.WebClient(token, {
      logger: boltLogger(this.options.log),
      ...(this.options.apiUrl ? { slackApiUrl: this.options.apiUrl } : {}),
      retryConfig: { retries: 0 },
      timeout: this.options.startTimeoutMs ?? 5000,
    });
    return probe.auth.test();
  }

  /** A workspace's bot token, from its installation (Bolt's OAuth authorize). */
  private async authorizeTeam(teamId: string) {
    const installer = this.httpReceiver?.installer;
    if (!installer) throw new Error('Slack installs are not set up');
    return installer.authorize({ teamId, enterpriseId: undefined, isEnterpriseInstall: false });
  }

  async stop(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const wasStarted = this.started;
    this.started = false;
    this.handlers = undefined;
    // Bolt's receivers throw when stopped without having started. Socket Mode: wait for the
    // WebSocket's closing handshake (Bolt's own stop does not), so no timer outlives us.
    if (wasStarted && this.socketReceiver) await this.socketReceiver.client.disconnect();
    else if (wasStarted) await this.app.stop();
    this.server = undefined;
    await this.reactionChain;
  }

  /** Slack's refusals come back as a DeliveryError saying why in words (delivery-errors.ts). */
  async post(channelId: string, message: OutgoingMessage): Promise<MessageRef> {
    try {
      return await this.send(channelId, message);
    } catch (error) {
      throw deliveryErrorOf(error, (message.attachments?.length ?? 0) > 0) ?? error;
    }
  }

  private async send(channelId: string, message: OutgoingMessage): Promise<MessageRef> {
    const text = escapeSlackText(message.text);
    const threadTs = message.replyTo;
    if (message.visibleTo) return this.postEphemeral(channelId, message.visibleTo, text, threadTs);
    const { workspace, channel } = await this.workspaces.target(channelId);
    const files = message.attachments ?? [];
    if (files.length === 0) {
      const posted = await workspace.client.chat.postMessage({
        channel,
        text,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
      });
      return { channelId, messageId: posted.ts as string };
    }
    const uploaded = await uploadToThread(
      workspace.client,
      this.log,
      { channel, ...(threadTs ? { threadTs } : {}), text, files },
      this.options.sharePollDelays,
    );
    if (uploaded.ts) return { channelId, messageId: uploaded.ts };
    if (files.some((file) => file.kind === 'image')) {
      // People react to pictures; without the upload's message, give them one right below it.
      this.log.warn({ files: uploaded.fileIds }, 'no message found for an image upload');
      const posted = await workspace.client.chat.postMessage({
        channel,
        text: '⬆️ React to this message for the picture above.',
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      return { channelId, messageId: posted.ts as string };
    }
    return { channelId, messageId: `file:${uploaded.fileIds[0] ?? 'unknown'}` };
  }

  /** A progress edit is dropped when Slack rate limits it (see the top); others wait it out. */
  async edit(
    ref: MessageRef,
    text: string,
    options?: { progress?: boolean; time?: TextTime },
  ): Promise<void> {
    // The time goes in after escaping: its markup is the one thing Slack should read as such.
    const shown = withTime(escapeSlackText(text), options?.time, slackTime);
    const { workspace, channel } = await this.workspaces.target(ref.channelId);
    const update = { channel, ts: ref.messageId, text: shown };
    if (!options?.progress) {
      await workspace.client.chat.update(update);
      return;
    }
    if (Date.now() < workspace.progressQuietUntil) return;
    try {
      await workspace.progress.chat.update(update);
    } catch (error) {
      const retryAfter = rateLimitOf(error);
      if (retryAfter === undefined) throw error;
      workspace.progressQuietUntil = Date.now() + retryAfter * 1000;
      this.log.info(
        { retryAfterSeconds: retryAfter, messageId: ref.messageId },
        'dropped a rate-limited progress edit',
      );
    }
  }

  async addReactions(ref: MessageRef, emojis: string[]): Promise<void> {
    const { workspace, channel } = await this.workspaces.target(ref.channelId);
    for (const emoji of emojis) {
      try {
        await workspace.client.reactions.add({
          channel,
          timestamp: ref.messageId,
          name: slackNameOf(emoji),
        });
      } catch (error) {
        // Added before a restart: nothing to do.
        if (slackError(error) !== 'already_reacted') throw error;
      }
    }
  }

  /** Slack lets an app remove only its own reactions; a superseded vote stays visible. */
  async removeReaction(): Promise<void> {}

  async isAdmin(workspaceId: string, userId: string): Promise<boolean> {
    if (this.options.admins?.includes(userId)) return true;
    try {
      const workspace = await this.workspaces.of(workspaceId);
      return (await workspace.users.lookup(userId)).isAdmin;
    } catch (error) {
      this.log.warn({ err: error, userId }, 'users.info failed; treating the user as no admin');
      return false;
    }
  }

  private listen(): void {
    for (const name of SLACK_COMMANDS) {
      this.app.command(name, async ({ command, ack, respond }) => {
        // Slack shows an error unless it has an answer within 3 seconds: acknowledge first.
        await ack();
        await this.onCommand(command, respond).catch((error: unknown) =>
          this.log.error({ err: error, command: command.command }, 'slash command failed'),
        );
      });
    }
    this.app.event('reaction_added', async ({ event, body }) => this.onReaction(event, body, true));
    this.app.event('reaction_removed', async ({ event, body }) =>
      this.onReaction(event, body, false),
    );
    // Many workspaces: an uninstall or revoked bot token removes that workspace's installation.
    if (this.options.installs) {
      const store = this.options.installs.installationStore;
      const forget = async (body: EventEnvelope) => {
        if (!body.team_id) return;
        this.workspaces.forget(body.team_id);
        // Bolt's interface leaves it optional; ours (Prisma) has it.
        await store.deleteInstallation?.({
          teamId: body.team_id,
          enterpriseId: body.enterprise_id,
          isEnterpriseInstall: false,
        });
        this.log.info({ team: body.team_id }, 'slack app uninstalled from a workspace');
      };
      this.app.event('app_uninstalled', async ({ body }) => forget(body));
      this.app.event('tokens_revoked', async ({ event, body }) => {
        if ((event.tokens.bot ?? []).length > 0) await forget(body);
      });
    }
    this.app.error(async (error) => {
      this.log.error({ err: error }, 'slack app error');
    });
  }

  private async onCommand(command: SlashCommand, respond: RespondFn): Promise<void> {
    const handlers = this.handlers;
    if (!handlers) return;
    const text = `${command.command} ${unescapeSlackText(command.text)}`.trim();
    const address = this.workspaces.address(command.team_id, command.channel_id);
    this.responders.remember(address, command.user_id, respond);
    const workspace = await this.workspaces.of(command.team_id);
    const user = await workspace.users.describe(command.user_id);
    const chatUser: ChatUser = {
      id: command.user_id,
      name: user.name === command.user_id ? command.user_name : user.name,
    };
    // A /video the service accepts is repeated in the channel, so everyone sees it and can vote
    // in its thread; anything else is answered to the user alone.
    const announce = async (): Promise<string | undefined> => {
      try {
        const posted = await workspace.client.chat.postMessage({
          channel: command.channel_id,
          text: `<@${command.user_id}>: ${escapeSlackText(text)}`,
          unfurl_links: false,
        });
        return posted.ts;
      } catch (error) {
        if (!NOT_IN_CHANNEL.has(slackError(error) ?? '')) throw error;
        await respond({
          response_type: 'ephemeral',
          text: 'I cannot post in this channel yet: invite me (/invite @firstframe), then try again.',
        });
        return undefined;
      }
    };
    await handlers.command({
      workspaceId: command.team_id,
      channelId: address,
      user: chatUser,
      text,
      ...(command.command === '/video' ? { announce } : {}),
    });
  }

  private onReaction(event: ReactionEvent, body: EventEnvelope, added: boolean): Promise<void> {
    // Checked on arrival, before any waiting, so a redelivery never slips through.
    if (body.event_id && !this.deliveredEvents.firstTime(body.event_id)) {
      this.log.info({ eventId: body.event_id }, 'dropped a redelivered event');
      return Promise.resolve();
    }
    const { channel, ts } = event.item;
    if (event.item.type !== 'message' || !channel || !ts) return Promise.resolve();
    this.reactionChain = this.reactionChain
      .then(async () => {
        const handlers = this.handlers;
        if (!handlers) return;
        const team = body.team_id ?? '';
        const workspace = await this.workspaces.of(team);
        const isSelf = event.user === workspace.botUserId;
        const user = isSelf
          ? { id: event.user, name: 'firstframe', isBot: true }
          : await workspace.users.describe(event.user);
        await handlers.reaction({
          workspaceId: team,
          channelId: this.workspaces.address(team, channel),
          messageId: ts,
          user: { id: user.id, name: user.name, isBot: user.isBot },
          emoji: emojiOfSlackName(event.reaction),
          added,
        });
      })
      .catch((error: unknown) => this.log.error({ err: error }, 'reaction failed'));
    return this.reactionChain;
  }

  private async postEphemeral(
    channelId: string,
    userId: string,
    text: string,
    threadTs: string | undefined,
  ): Promise<MessageRef> {
    const respond = this.responders.take(channelId, userId);
    try {
      if (respond) {
        await respond({ response_type: 'ephemeral', replace_original: false, text });
        this.ephemeralCount += 1;
        return { channelId, messageId: `ephemeral:${this.ephemeralCount}` };
      }
    } catch (error) {
      this.log.warn({ err: error }, 'response_url failed; trying chat.postEphemeral');
    }
    const { workspace, channel } = await this.workspaces.target(channelId);
    const posted = await workspace.client.chat.postEphemeral({
      channel,
      user: userId,
      text,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    return { channelId, messageId: posted.message_ts as string };
  }
}
