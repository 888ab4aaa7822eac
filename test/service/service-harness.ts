// A whole bot on real parts: the product's Prisma stores on a SQLite file, the in-process job
// runner that writes real PNG/MP4/GIF files, the web playground's chat adapter, and a
// hand-moved clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BotService } from '../../src/service/bot-service.js';
import { demoDatabase, type DemoParts, openDemoParts } from '../../src/dev/demo-parts.js';
import type { LocalJobsOptions } from '../../src/dev/local-jobs.js';
import type { Clock } from '../../src/service/ports.js';
import type { ChatAdapter } from '../../src/bots/chat-adapter.js';
import { WebChatAdapter, type WebMessage } from '../../src/bots/web/web-adapter.js';
import type { FlowConfig } from '../../src/core/flow/index.js';
import type { RequestLimits } from '../../src/core/contract.js';
import type { Limits } from '../../src/core/quota.js';
import type { Logger } from '../../src/log.js';
import { migratedSqliteFile } from '../helpers/migrated-db.js';
import { silentLog } from '../helpers/silent-log.js';
import { ManualClock, waitFor } from '../helpers/manual-clock.js';

export const LIMITS: Limits = {
  user: { daily: 5, monthly: 50 },
  workspace: { daily: null, monthly: null },
};

export interface DemoBot extends DemoParts {
  service: BotService;
}

/**
 * The bot service on the demo parts under `dir` (a migrated SQLite file, in-process jobs
 * writing real files), with the given chat adapters; started again on the same `dir` it resumes.
 */
export async function startDemoBot(options: {
  dir: string;
  clock: Clock;
  adapters: ChatAdapter[];
  log: Logger;
  flow?: Partial<FlowConfig>;
  jobOptions?: Partial<LocalJobsOptions>;
  /** What /video accepts (a model's words); default: the contract's limits. */
  limits?: RequestLimits;
}): Promise<DemoBot> {
  await migratedSqliteFile(demoDatabase(options.dir).file);
  const parts = await openDemoParts({
    folder: options.dir,
    limits: LIMITS,
    log: options.log,
    jobs: { stepDelayMs: 1, ...options.jobOptions },
  });
  const service = new BotService({
    ...parts.deps,
    clock: options.clock,
    adapters: options.adapters,
    log: options.log,
    flow: { progressEditIntervalMs: 0, ...options.flow },
    ...(options.limits ? { limits: options.limits } : {}),
  });
  await service.start();
  return { ...parts, service };
}

export async function stopDemoBot(bot: DemoBot): Promise<void> {
  bot.jobs.stop();
  await bot.service.stop();
  await bot.close();
}

export class Harness {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ff-flow-'));
  readonly clock = new ManualClock();
  readonly adapter = new WebChatAdapter({ admins: ['admin'] });
  bot!: DemoBot;

  constructor(
    private readonly flow: Partial<FlowConfig> = {},
    private readonly jobOptions: Partial<LocalJobsOptions> = {},
  ) {}

  /** Starts (or restarts, on the same database file and chat channel) the bot. */
  async start(): Promise<this> {
    this.bot = await startDemoBot({
      dir: this.dir,
      clock: this.clock,
      adapters: [this.adapter],
      log: silentLog,
      flow: this.flow,
      jobOptions: this.jobOptions,
    });
    return this;
  }

  /** Stops the bot as a crash would leave things: the database and the channel stay. */
  async stop(): Promise<void> {
    await stopDemoBot(this.bot);
  }

  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  messages(user = 'alice'): WebMessage[] {
    return this.adapter.history(user);
  }

  last(user = 'alice'): WebMessage {
    const all = this.messages(user);
    return all[all.length - 1] as WebMessage;
  }

  /** Waits for a bot message matching the pattern. */
  waitForMessage(pattern: RegExp, user = 'alice'): Promise<WebMessage> {
    return waitFor(
      () => this.messages(user).find((m) => m.author.isBot && pattern.test(m.text)),
      `a message matching ${pattern}`,
    );
  }

  get store() {
    return this.bot.store;
  }
  get quota() {
    return this.bot.quota;
  }
  get jobs() {
    return this.bot.jobs;
  }
  get service() {
    return this.bot.service;
  }

  async settle(): Promise<void> {
    await this.service.runner.idle();
  }
}
