// Finds the Redis that BullMQ needs. With REDIS_URL set it must answer; without it we use
// 127.0.0.1:6379, and when nothing answers there we start a private redis-server from PATH
// (data kept under the data folder, append-only file on so queued jobs survive restarts).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { redactUrl } from '../config/index.js';
import type { Logger } from '../log.js';

export const DEFAULT_REDIS_PORT = 6379;

export const HOW_TO_GET_REDIS =
  'Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`; ' +
  'or `docker run -p 6379:6379 redis:7`) so that `redis-server` is on PATH, ' +
  'or set REDIS_URL to a Redis you run yourself.';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

export interface RedisEndpoint {
  url: string;
  /** True when this process started the redis-server and will stop it. */
  isPrivate: boolean;
  stop(): Promise<void>;
}

export interface EnsureRedisOptions {
  url?: string;
  dataDir: string;
  log: Logger;
  /** Port tried (and used for a private server) when `url` is unset. */
  port?: number;
  /** PATH to search for redis-server; defaults to process.env.PATH. */
  searchPath?: string;
}

/** Resolves when Redis at `url` answers PING; otherwise the error says why. */
export async function pingRedis(url: string, timeoutMs = 1000): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // reported through the rejected promise below
  try {
    await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
  } finally {
    client.disconnect();
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await pingRedis(url);
    return true;
  } catch {
    return false;
  }
}

export async function ensureRedis(options: EnsureRedisOptions): Promise<RedisEndpoint> {
  const noop = async () => {};
  if (options.url) {
    try {
      await pingRedis(options.url, 3000);
    } catch (error) {
      throw new RedisUnavailableError(
        `REDIS_URL (${redactUrl(options.url)}) does not answer: ${(error as Error).message}`,
      );
    }
    return { url: options.url, isPrivate: false, stop: noop };
  }

  const port = options.port ?? DEFAULT_REDIS_PORT;
  const url = `redis://127.0.0.1:${port}`;
  if (await answers(url)) return { url, isPrivate: false, stop: noop };

  const binary = findOnPath('redis-server', options.searchPath ?? process.env.PATH ?? '');
  if (!binary) {
    throw new RedisUnavailableError(
      `Redis is required, REDIS_URL is not set, nothing answers on 127.0.0.1:${port} ` +
        `and there is no redis-server on PATH. ${HOW_TO_GET_REDIS}`,
    );
  }
  return startPrivateRedis(binary, port, path.join(options.dataDir, 'redis'), options.log);
}

async function startPrivateRedis(
  binary: string,
  port: number,
  dir: string,
  log: Logger,
): Promise<RedisEndpoint> {
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'redis.log');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
  args.push('--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--logfile', logFile);
  log.info({ binary, port, dir }, 'starting a private redis-server');
  const child = spawn(binary, args, { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await answers(url))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new RedisUnavailableError(
        `the private redis-server did not start on port ${port}; its log (${logFile}) ends:\n` +
          tail(logFile),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, isPrivate: true, stop: () => stopChild(child, exit) };
}

async function stopChild(child: ChildProcess, exit: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM'); // redis-server flushes its append-only file on SIGTERM
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exit;
  clearTimeout(timer);
}

function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function tail(file: string, lines = 10): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}
