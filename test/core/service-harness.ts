// A whole bot on real parts: SQLite file store, the in-process job runner that writes real
// PNG/MP4/GIF files, the web playground's chat adapter, and a hand-moved clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BotService } from '../../src/app/bot-service.js';
import { ffmpegPath } from '../../src/app/dev/ffmpeg-path.js';
import { LocalJobs, type LocalJobsOptions } from '../../src/app/dev/local-jobs.js';
import { SqliteStore, type DefaultLimits } from '../../src/app/dev/sqlite-store.js';
import type { FlowConfig } from '../../src/core/flow/index.js';
import { WebChatAdapter, type WebMessage } from '../../src/bots/web/web-adapter.js';
import type { Clock } from '../../src/app/ports.js';
import type { ChatAdapter } from '../../src/bots/chat-adapter.js';
import type { Logger } from '../../src/log.js';
import { silentLog } from '../helpers/silent-log.js';
import { ManualClock, waitFor } from './manual-clock.js';

export const LIMITS: DefaultLimits = {
  userDaily: 5,
  userMonthly: 50,
  workspaceDaily: 0,
  workspaceMonthly: 0,
};

export interface DemoBot {
  store: SqliteStore;
  jobs: LocalJobs;
  service: BotService;
}

/**
 * The bot service on the demo parts under `dir` (SQLite file, in-process jobs writing real
 * files), with the given chat adapters; started again on the same `dir` it resumes.
 */
export async function startDemoBot(options: {
  dir: string;
  clock: Clock;
  adapters: ChatAdapter[];
  log: Logger;
  flow?: Partial<FlowConfig>;
  jobOptions?: Partial<LocalJobsOptions>;
}): Promise<DemoBot> {
  const store = new SqliteStore(path.join(options.dir, 'bot.db'), LIMITS);
  const jobs = new LocalJobs({
    artifactDir: path.join(options.dir, 'artifacts'),
    ffmpegPath: ffmpegPath(),
    stepDelayMs: 1,
    ...options.jobOptions,
  });
  const service = new BotService({
    store,
    quota: store,
    audit: store,
    queue: jobs,
    clock: options.clock,
    adapters: options.adapters,
    log: options.log,
    flow: { progressEditIntervalMs: 0, ...options.flow },
  });
  await service.start();
  return { store, jobs, service };
}

export async function stopDemoBot({ store, jobs, service }: DemoBot): Promise<void> {
  jobs.stop();
  await service.stop();
  store.close();
}

export class Harness {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ff-flow-'));
  readonly clock = new ManualClock();
  readonly adapter = new WebChatAdapter({ admins: ['admin'] });
  store!: SqliteStore;
  jobs!: LocalJobs;
  service!: BotService;

  constructor(
    private readonly flow: Partial<FlowConfig> = {},
    private readonly jobOptions: Partial<LocalJobsOptions> = {},
  ) {}

  /** Starts (or restarts, on the same database file and chat channel) the bot. */
  async start(): Promise<this> {
    const bot = await startDemoBot({
      dir: this.dir,
      clock: this.clock,
      adapters: [this.adapter],
      log: silentLog,
      flow: this.flow,
      jobOptions: this.jobOptions,
    });
    ({ store: this.store, jobs: this.jobs, service: this.service } = bot);
    return this;
  }

  /** Stops the bot as a crash would leave things: the database and the channel stay. */
  async stop(): Promise<void> {
    await stopDemoBot(this);
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

  async settle(): Promise<void> {
    await this.service.runner.idle();
  }
}
