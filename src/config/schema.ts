// Every setting the processes read, as environment variables with their defaults.
// Defaults describe the embedded setup (`npm install && npm start` on one machine).
// Add new settings here; `loadConfig` turns them into the typed `Config` object.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { SHIPPED_MODEL_SETTING } from './shipped-model.js';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
/** A quota limit: a whole number, or "unlimited" (null). */
const quotaLimit = z
  .string()
  .trim()
  .regex(/^(unlimited|\d{1,9})$/, 'expected a whole number or "unlimited"')
  .transform((value): number | null => (value === 'unlimited' ? null : Number(value)));
/** An optional setting where an empty string means "not set". */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** A comma-separated list; blanks around items and empty items are dropped. */
const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    );

export const DATABASE_URL_HELP =
  'file:<path> for SQLite (e.g. file:./data/firstframe.db) or postgresql://user:pass@host:5432/db';

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Folder for everything the embedded setup writes: SQLite file, private Redis, artifacts. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Empty = SQLite file `<DATA_DIR>/firstframe.db`. */
  DATABASE_URL: optionalText,
  /** Empty = use 127.0.0.1:6379, or start a private redis-server when nothing answers there. */
  REDIS_URL: optionalText,
  /** Prefix of every BullMQ key, so several installations can share one Redis. Empty =
   * `firstframe-<hash of the database URL>`: processes that share a database share queues. */
  QUEUE_PREFIX: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z
      .string()
      .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')
      .optional(),
  ),

  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: integer(0, 65535).default(3000),

  /** Where generated files live. Empty = the folder <DATA_DIR>/artifacts (processes on other
   * machines then need a shared mount); `s3://bucket/prefix` = an S3-compatible object store. */
  ARTIFACTS_URL: optionalText,
  /** The object store's endpoint for MinIO, R2 and the like (path-style requests); empty = AWS. */
  S3_ENDPOINT: optionalText,
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** Empty = the AWS SDK's own chain (AWS_ACCESS_KEY_ID..., instance roles). */
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,

  MODEL_DIR: z.string().min(1).default(SHIPPED_MODEL_SETTING),
  /** onnxruntime execution provider; `cuda` needs onnxruntime-node installed with cuda12. */
  ENGINE_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),
  /**
   * Threads per engine; 0 lets onnxruntime choose (one per core). With 2+ on the CPU, each U-Net
   * call is cut by batch into that many slices run at once (src/engine/unet-lanes.ts).
   */
  ENGINE_THREADS: integer(0, 256).default(1),
  /** Jobs a worker runs at once, each on an engine of its own; default one per core. */
  WORKER_CONCURRENCY: integer(1, 64).default(Math.min(64, availableParallelism())),

  VOTE_WINDOW_SECONDS: integer(5, 86400).default(60),
  REGENERATE_COSTS_QUOTA: flag.default(false),
  /** Clips a story may have, the first video included (`/video extend`); at most 16, as the
   * engine reads at most 256 frames of the story it continues (MAX_EXTEND_INPUT_FRAMES). */
  STORY_MAX_CLIPS: integer(2, 16).default(8),
  /** Default limits (generations per UTC day / month) when no policy overrides them. */
  QUOTA_USER_DAILY: quotaLimit.default(10),
  QUOTA_USER_MONTHLY: quotaLimit.default(100),
  QUOTA_WORKSPACE_DAILY: quotaLimit.default(null),
  QUOTA_WORKSPACE_MONTHLY: quotaLimit.default(null),
  /** Largest MP4/GIF the bot posts (Discord's default upload limit is 10 MiB). */
  MAX_UPLOAD_BYTES: integer(1024, 1024 ** 3).default(10 * 1024 * 1024),
  /** Comma-separated names that are admins in the web playground (none by default; the admin
   * link `npm start` prints makes one browser an admin). */
  PLAYGROUND_ADMINS: commaList(''),
  /** More `host[:port]` names the playground answers to (e.g. its name behind a reverse proxy);
   * loopback names and the bound address always work. Checked on every change request. */
  PLAYGROUND_HOSTS: commaList(''),
  /** A Bearer token that lets Prometheus read /metrics without the playground's token. */
  METRICS_TOKEN: optionalText,

  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText,
  /** Register slash commands in this guild only (instant), instead of globally. */
  DISCORD_GUILD_ID: optionalText,
  /** Discord's REST API base URL; empty = https://discord.com/api (set it for a proxy). */
  DISCORD_API_URL: optionalText,
  /** Gateway shards (Discord requires them above about 2,500 servers): empty = one; `auto` =
   * as many as Discord recommends; or a number. `npm run discord` then runs one process per
   * shard; `npm start` runs them all in its one process (see docs/discord.md). */
  DISCORD_SHARDS: z
    .string()
    .trim()
    .regex(/^(|auto|[1-9]\d{0,4})$/, 'expected "auto" or a number of shards from 1')
    .optional()
    .transform((value): number | 'auto' | undefined =>
      value === undefined || value === '' ? undefined : value === 'auto' ? value : Number(value),
    ),
  /** With DISCORD_SHARDS=N: the shards this process runs itself (e.g. `0,1`), to spread the
   * shards over machines. Empty = all of them (`npm start`) or one process each (`npm run
   * discord`). */
  DISCORD_SHARD_IDS: commaList(''),

  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  /** App-level token (xapp-...) for Socket Mode, which needs no public URL. */
  SLACK_APP_TOKEN: optionalText,
  /** `socket` needs SLACK_APP_TOKEN; `http` needs SLACK_SIGNING_SECRET and a public URL. */
  SLACK_MODE: z.enum(['socket', 'http']).optional(),
  /** Port of the Events API / slash command endpoint (`/slack/events`) in HTTP mode. */
  SLACK_PORT: integer(0, 65535).default(3001),
  /** Slack's Web API base URL; empty = https://slack.com/api/ (GovSlack: https://slack-gov.com/api/). */
  SLACK_API_URL: optionalText,
  /** Many workspaces (OAuth installs at /slack/install, HTTP mode): the app's client id and
   * secret ("Basic Information"), with SLACK_BOT_TOKEN left empty. */
  SLACK_CLIENT_ID: optionalText,
  SLACK_CLIENT_SECRET: optionalText,
  /** Signs the OAuth state cookie: any long random text. */
  SLACK_STATE_SECRET: optionalText,
  /** Seals the installations' tokens in the database: at least 32 characters of random text. */
  SLACK_TOKEN_KEY: optionalText,
  /** Comma-separated Slack user ids (U…) who may use admin commands besides workspace admins. */
  SLACK_ADMINS: commaList(''),
});

/** The settings after loading: QUEUE_PREFIX always set (see loadConfig). */
export type Env = z.infer<typeof envSchema> & { QUEUE_PREFIX: string };

/** Variables whose values must never be printed. */
export const SECRET_VARIABLES = [
  'DISCORD_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SLACK_CLIENT_SECRET',
  'SLACK_STATE_SECRET',
  'SLACK_TOKEN_KEY',
  'METRICS_TOKEN',
  'S3_SECRET_ACCESS_KEY',
] as const satisfies readonly (keyof Env)[];
