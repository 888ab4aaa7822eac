// The chat platforms that join the web playground on one BotService, chosen by which settings
// are given: Discord with DISCORD_TOKEN + DISCORD_APPLICATION_ID, Slack when `slackSetupFrom`
// accepts the SLACK_* settings. Half a configuration is an error, not a silent skip, so a typo
// in a token's name does not leave a bot quietly offline.
import path from 'node:path';
import { FFMPEG_PATH } from '../engine/video.js';
import type { ChatAdapter } from '../bots/chat-adapter.js';
import {
  createDiscordAdapter,
  ffmpegShrinker,
  type DiscordAdapterOptions,
  type DiscordChatAdapter,
  type ShardSet,
} from '../bots/discord/index.js';
import {
  createSlackAdapter,
  LateInstallationStore,
  slackSetupFrom,
  SlackChatAdapter,
} from '../bots/slack/index.js';
import { PrismaSlackInstallations } from '../adapters/prisma/prisma-slack-installations.js';
import { SealedText } from '../adapters/prisma/sealed-text.js';
import type { Db } from '../db/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { shardPlanOf } from './discord-shards.js';
import { ChatPlatformSetupError } from './setup-error.js';

export { ChatPlatformSetupError };

/** Test seams: where the platforms' APIs are (default: DISCORD_API_URL, SLACK_API_URL). */
export interface PlatformOverrides {
  discordApi?: string;
}

/**
 * The Discord adapter; undefined when neither Discord setting is given, unless `required`
 * (`npm run discord`), which then names what to set.
 */
export function discordAdapterFrom(
  config: Config,
  log: Logger,
  {
    required = false,
    discordApi = config.env.DISCORD_API_URL,
    shards,
  }: PlatformOverrides & {
    required?: boolean;
    /** Default: every shard DISCORD_SHARDS names, in this one process (`npm start`). */
    shards?: ShardSet | undefined;
  } = {},
): DiscordChatAdapter | undefined {
  if (!config.env.DISCORD_TOKEN && !config.env.DISCORD_APPLICATION_ID && !required) {
    return undefined;
  }
  const { token, applicationId } = discordCredentials(config);
  const options: DiscordAdapterOptions = {
    token,
    applicationId,
    log,
    // Among the artifacts, like the playground's uploads, so any worker can read them.
    uploadDir: path.join(config.dataDir, 'artifacts', 'uploads'),
    maxUploadBytes: config.env.MAX_UPLOAD_BYTES,
    shrinkVideo: ffmpegShrinker(FFMPEG_PATH),
    ...(discordApi ? { api: discordApi } : {}),
  };
  const shardSet = shards ?? planShards(config);
  return createDiscordAdapter(shardSet ? { ...options, shards: shardSet } : options);
}

/** The bot's token and application id; throws naming what to set when one is missing. */
export function discordCredentials(config: Config): { token: string; applicationId: string } {
  const { DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: applicationId } = config.env;
  if (!token || !applicationId) {
    const missing = [!token && 'DISCORD_TOKEN', !applicationId && 'DISCORD_APPLICATION_ID'];
    throw new ChatPlatformSetupError(
      `Discord is not configured: set ${missing.filter(Boolean).join(' and ')} (from the Discord developer portal; see docs/discord.md).`,
    );
  }
  return { token, applicationId };
}

function planShards(config: Config): ShardSet | undefined {
  const plan = shardPlanOf(config.env, { oneProcess: true });
  return plan.kind === 'client' ? plan.shards : undefined;
}

const SLACK_SETTINGS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_CLIENT_ID',
] as const;

/** Slack adapters with installs in many workspaces, and the key that seals their tokens. */
const slackInstalls = new WeakMap<
  ChatAdapter,
  { store: LateInstallationStore; tokenKey: string }
>();

/**
 * The Slack adapter; undefined when no Slack token or secret is given, unless `required`
 * (`npm run slack`), which then names what to set.
 */
export function slackAdapterFrom(
  config: Config,
  log: Logger,
  { required = false } = {},
): SlackChatAdapter | undefined {
  if (!required && !SLACK_SETTINGS.some((name) => config.env[name])) return undefined;
  const setup = slackSetupFrom(config.env);
  if (!setup.ok) {
    const problems = setup.problems.map((problem) => `  - ${problem}`).join('\n');
    throw new ChatPlatformSetupError(`Slack is not configured (see docs/slack.md):\n${problems}`);
  }
  const installs = setup.oauth && {
    clientId: setup.oauth.clientId,
    clientSecret: setup.oauth.clientSecret,
    stateSecret: setup.oauth.stateSecret,
    installationStore: new LateInstallationStore(),
  };
  const adapter = createSlackAdapter({
    ...(setup.botToken ? { botToken: setup.botToken } : {}),
    ...(installs ? { installs } : {}),
    connection: setup.connection,
    admins: setup.admins,
    log,
    ...(setup.apiUrl ? { apiUrl: setup.apiUrl } : {}),
  });
  if (installs && setup.oauth) {
    slackInstalls.set(adapter, {
      store: installs.installationStore,
      tokenKey: setup.oauth.tokenKey,
    });
  }
  return adapter;
}

/** Once the database is open (startStack): the stores the platforms keep there. */
export function bindPlatformStores(adapters: readonly ChatAdapter[], db: Db): void {
  for (const adapter of adapters) {
    const installs = slackInstalls.get(adapter);
    if (!installs) continue;
    const sealer = new SealedText(installs.tokenKey, 'slack installations');
    installs.store.bind(new PrismaSlackInstallations(db, sealer));
  }
}

/** Every configured platform (`npm start` adds them next to the web playground). */
export function chatPlatformAdapters(
  config: Config,
  log: Logger,
  overrides: PlatformOverrides = {},
): ChatAdapter[] {
  const adapters = [discordAdapterFrom(config, log, overrides), slackAdapterFrom(config, log)];
  return adapters.filter((adapter): adapter is DiscordChatAdapter | SlackChatAdapter =>
    Boolean(adapter),
  );
}

/** Why a configured platform is not running, as the banner says it; undefined if it runs. */
function notRunning(adapter: ChatAdapter): string | undefined {
  if (!(adapter instanceof SlackChatAdapter) || !adapter.unavailable) return undefined;
  return `slack (not running: ${adapter.unavailable})`;
}

/** For the start-up banner: which platforms run, and where Slack's HTTP mode listens. */
export function describePlatforms(adapters: readonly ChatAdapter[]): string {
  const names = adapters.map((adapter) => {
    if (!(adapter instanceof SlackChatAdapter)) return adapter.platform;
    const down = notRunning(adapter);
    if (down) return down;
    return adapter.url ? `slack (listening on ${adapter.url}/slack/events)` : adapter.platform;
  });
  return names.length > 0 ? names.join(', ') : 'none (set DISCORD_* or SLACK_* to add them)';
}

/** The banner's lines for platforms that are not running now (the playground shows them). */
export function platformNotices(adapters: readonly ChatAdapter[]): string[] {
  return adapters.flatMap((adapter) => notRunning(adapter) ?? []);
}
