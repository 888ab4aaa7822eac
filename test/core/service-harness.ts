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
import { silentLog } from '../helpers/silent-log.js';
import { ManualClock, waitFor } from './manual-clock.js';

export const LIMITS: DefaultLimits = {
  userDaily: 5,
  userMonthly: 50,
  workspaceDaily: 0,
  workspaceMonthly: 0,
};

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
    this.store = new SqliteStore(path.join(this.dir, 'bot.db'), LIMITS);
    this.jobs = new LocalJobs({
      artifactDir: path.join(this.dir, 'artifacts'),
      ffmpegPath: ffmpegPath(),
      stepDelayMs: 1,
      ...this.jobOptions,
    });
    this.service = new BotService({
      store: this.store,
      quota: this.store,
      audit: this.store,
      queue: this.jobs,
      clock: this.clock,
      adapters: [this.adapter],
      log: silentLog,
      flow: { progressEditIntervalMs: 0, ...this.flow },
    });
    await this.service.start();
    return this;
  }

  /** Stops the bot as a crash would leave things: the database and the channel stay. */
  async stop(): Promise<void> {
    this.jobs.stop();
    await this.service.stop();
    this.store.close();
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
