// The whole product for a test: the real stack (src/wiring/stack.ts) on a fresh database of
// the given kind, a unique BullMQ prefix on the shared Redis, a temporary data folder and the
// tiny test model (fast), with the web playground on a free port.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WebMessage } from '../../src/bots/web/web-adapter.js';
import type { ChatAdapter } from '../../src/bots/chat-adapter.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import type { RequestLimits } from '../../src/core/contract.js';
import { TINY_MODEL_DIR } from '../../src/wiring/model.js';
import { startStack, type Stack } from '../../src/wiring/stack.js';
import { createTestDatabase, type Kind, type TestDatabase } from '../helpers/databases.js';
import { silentLog } from '../helpers/silent-log.js';
import { dropPrefix, SHARED_REDIS_URL, waitFor } from '../queue/helpers.js';
import { WebClient } from '../bots/web/web-client.js';

export { waitFor } from '../queue/helpers.js';

export class StackHarness {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ff-wire-'));
  readonly prefix = `ff-wire-${randomUUID()}`;
  database!: TestDatabase;
  stack!: Stack;
  /** Every version of every message the playground showed (edits included), in order. */
  readonly seen: string[] = [];
  /** The playground's HTTP API with this stack's token and one session per user. */
  web!: WebClient;
  /** Chat platforms to run next to the playground, built from the stack's settings. */
  private platforms: (config: Config) => ChatAdapter[] = () => [];

  constructor(
    private readonly kind: Kind,
    private readonly limits: Partial<RequestLimits> = {},
    /** Extra settings, e.g. VOTE_WINDOW_SECONDS. */
    private readonly env: Record<string, string> = {},
    /** Run the queue worker in this process (false: a test starts `npm run worker`). */
    private readonly inProcessWorker = true,
  ) {}

  /** The settings, as environment variables, for a process that joins this stack. */
  get settings(): Record<string, string> {
    return {
      DATA_DIR: this.dir,
      DATABASE_URL: this.database.target.url,
      REDIS_URL: SHARED_REDIS_URL,
      QUEUE_PREFIX: this.prefix,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      QUOTA_USER_DAILY: '5',
      ENGINE_THREADS: '1',
      WORKER_CONCURRENCY: '1',
      MODEL_DIR: TINY_MODEL_DIR,
      PLAYGROUND_ADMINS: 'admin',
      METRICS_TOKEN: 'test-metrics-token',
      ...this.env,
    };
  }

  /** Adds Discord/Slack adapters (e.g. `chatPlatformAdapters` against a fake) on `start`. */
  withPlatforms(platforms: (config: Config) => ChatAdapter[]): this {
    this.platforms = platforms;
    return this;
  }

  async start(): Promise<this> {
    this.database ??= await createTestDatabase(this.kind);
    const config = loadConfig({ env: this.settings, envFile: null, baseDir: this.dir });
    this.stack = await startStack({
      config,
      log: silentLog,
      redisUrl: SHARED_REDIS_URL,
      modelDir: this.settings.MODEL_DIR ?? TINY_MODEL_DIR, // env may name another model
      worker: this.inProcessWorker,
      extraAdapters: this.platforms(config),
      flow: { progressEditIntervalMs: 0 },
      limits: this.limits,
      attempts: 2,
      backoffMs: 100,
    });
    this.stack.webAdapter.subscribe((message) => this.seen.push(message.text));
    // A new process has a new token and session secret: log in again.
    if (this.stack.web) this.web = new WebClient(this.url, this.stack.web.access.token);
    return this;
  }

  /** Stops everything and starts again on the same database, queue prefix and data folder. */
  async restart(): Promise<void> {
    await this.stack.close();
    await this.start();
  }

  get url(): string {
    return this.stack.web!.url;
  }

  async cleanup(): Promise<void> {
    await this.stack?.close();
    await dropPrefix(SHARED_REDIS_URL, this.prefix);
    await this.database?.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Types a line in the playground as `user`, through the HTTP API. */
  async say(user: string, text: string): Promise<void> {
    await this.post('/api/command', { user, text });
  }

  async react(user: string, messageId: string, emoji: string): Promise<void> {
    await this.post('/api/reaction', { user, messageId, emoji });
  }

  messages(user: string): WebMessage[] {
    return this.stack.webAdapter.history(user);
  }

  /** Waits for a bot message (as `user` sees it) matching `pattern`. */
  waitForMessage(
    pattern: RegExp,
    user = 'alice',
    accept: (message: WebMessage) => boolean = () => true,
    timeoutMs = 60_000,
  ): Promise<WebMessage> {
    return waitFor(
      `a message matching ${pattern}`,
      () => this.messages(user).find((m) => m.author.isBot && pattern.test(m.text) && accept(m)),
      timeoutMs,
    );
  }

  /** The local file behind an attachment URL (/files/<id>/<name>). */
  fileOf(url: string): string {
    const file = this.stack.webAdapter.filePath(url.split('/')[2] ?? '');
    if (!file) throw new Error(`no file behind ${url}`);
    return file;
  }

  /** A POST to the playground's API; `body.user` picks whose session sends the rest. */
  async post(route: string, body: { user?: string; [field: string]: unknown }): Promise<void> {
    const { user, ...rest } = body;
    const response = await this.web.post(route, rest, user);
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  }
}
