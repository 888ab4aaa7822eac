// The one configuration module: reads the environment (plus an optional `.env` file, whose
// values never override real environment variables), validates every setting with zod and
// reports all problems at once.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { type DatabaseTarget, parseDatabaseUrl, redactUrl } from './database-url.js';
import { parseS3Url, type S3Location } from '../artifacts/s3-url.js';
import { DATABASE_URL_HELP, type Env, envSchema, SECRET_VARIABLES } from './schema.js';

export { type DatabaseTarget, parseDatabaseUrl, redactUrl } from './database-url.js';
export { SECRET_VARIABLES } from './schema.js';

export interface Config {
  env: Env;
  /** Absolute path of the data folder. */
  dataDir: string;
  database: DatabaseTarget;
  /** Absolute path of the model folder. */
  modelDir: string;
  /** The object store named by ARTIFACTS_URL; none = the folder <dataDir>/artifacts. */
  artifactsBucket?: S3Location;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** `.env` file to merge under the environment; defaults to `<cwd>/.env`; null = none. */
  envFile?: string | null;
  /** Relative paths resolve against this folder; defaults to the working directory. */
  baseDir?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const baseDir = options.baseDir ?? process.cwd();
  const envFile = options.envFile === undefined ? path.join(baseDir, '.env') : options.envFile;
  const fromFile = envFile && existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  const raw = { ...fromFile, ...(options.env ?? process.env) };

  // Check DATABASE_URL alongside the schema so that every problem is reported at once.
  const result = envSchema.safeParse(raw);
  const problems = result.success ? [] : describeIssues(result.error.issues, raw);
  const baseDataDir = path.resolve(baseDir, result.data?.DATA_DIR ?? './data');
  const givenUrl = typeof raw.DATABASE_URL === 'string' ? raw.DATABASE_URL.trim() : '';
  const databaseUrl = givenUrl || `file:${path.join(baseDataDir, 'firstframe.db')}`;
  const database = parseDatabaseUrl(databaseUrl, baseDir);
  if (typeof database === 'string') {
    problems.push(
      `DATABASE_URL (${redactUrl(databaseUrl)}): ${database}; expected ${DATABASE_URL_HELP}`,
    );
  }
  const artifactsUrl = result.data?.ARTIFACTS_URL;
  const artifacts = artifactsUrl === undefined ? undefined : parseS3Url(artifactsUrl);
  if (typeof artifacts === 'string') problems.push(`ARTIFACTS_URL (${artifactsUrl}): ${artifacts}`);
  if (!result.success || typeof database === 'string' || typeof artifacts === 'string') {
    throw new ConfigError(problems);
  }
  const env = {
    ...result.data,
    QUEUE_PREFIX: result.data.QUEUE_PREFIX ?? defaultQueuePrefix(database.url),
  };
  const dataDir = baseDataDir;
  return {
    env,
    dataDir,
    database,
    modelDir: path.resolve(baseDir, env.MODEL_DIR),
    ...(artifacts ? { artifactsBucket: artifacts } : {}),
  };
}

/** Jobs point at database rows, so the queues belong to the database: two checkouts with
 * their own SQLite files on one Redis must not take each other's jobs. */
export function defaultQueuePrefix(databaseUrl: string): string {
  return `firstframe-${createHash('sha256').update(databaseUrl).digest('hex').slice(0, 10)}`;
}

function describeIssues(issues: z.core.$ZodIssue[], raw: Record<string, unknown>): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? '(environment)');
    const secret = (SECRET_VARIABLES as readonly string[]).includes(name);
    const value = raw[name];
    const shown =
      value === undefined ? 'missing' : secret ? 'value hidden' : JSON.stringify(String(value));
    return `${name} (${shown}): ${issue.message}`;
  });
}

/** The settings as they may be logged: secrets and URL passwords hidden. */
export function describeConfig(config: Config): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...config.env };
  for (const name of SECRET_VARIABLES) {
    if (shown[name] !== undefined) shown[name] = '***';
  }
  if (config.env.REDIS_URL) shown.REDIS_URL = redactUrl(config.env.REDIS_URL);
  shown.DATABASE_URL = redactUrl(config.database.url);
  return shown;
}
