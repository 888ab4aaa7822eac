// The real bot on Discord faked at the wire: the discord.js client of DiscordChatAdapter talks
// to FakeDiscord's gateway and REST API; behind it the real BotService on the Prisma stores
// (a SQLite file) and the in-process job runner (real PNG/MP4/GIF files), on a hand-moved clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createDiscordAdapter,
  type DiscordAdapterOptions,
  type DiscordChatAdapter,
} from '../../../src/bots/discord/index.js';
import type { RequestLimits } from '../../../src/core/contract.js';
import type { FlowConfig } from '../../../src/core/flow/index.js';
import { ManualClock, waitFor } from '../../helpers/manual-clock.js';
import { type DemoBot, startDemoBot, stopDemoBot } from '../../service/service-harness.js';
import { silentLog } from '../../helpers/silent-log.js';
import { FakeDiscord, type FakeMessage } from './fake/fake-discord.js';

export type AdapterExtras = Partial<
  Pick<
    DiscordAdapterOptions,
    'shrinkVideo' | 'artifactUrl' | 'maxUploadBytes' | 'acknowledgeWithinMs' | 'shards'
  >
>;

export class DiscordHarness {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ff-discord-'));
  readonly clock = new ManualClock();
  fake!: FakeDiscord;
  adapter!: DiscordChatAdapter;
  bot!: DemoBot;

  constructor(
    private readonly extras: AdapterExtras = {},
    private readonly flow: Partial<FlowConfig> = {},
    /** What /video accepts (a model's words, for autocomplete); default: the contract's. */
    private readonly limits?: RequestLimits,
  ) {}

  /** Starts the fake Discord (once) and the bot (again after `stop`, on the same files). */
  async start(): Promise<this> {
    this.fake ??= await FakeDiscord.start();
    this.adapter = createDiscordAdapter({
      token: this.fake.token,
      applicationId: this.fake.world.applicationId,
      log: silentLog,
      uploadDir: path.join(this.dir, 'uploads'),
      api: this.fake.api,
      now: () => this.clock.now(),
      ...this.extras,
    });
    this.bot = await startDemoBot({
      dir: this.dir,
      clock: this.clock,
      adapters: [this.adapter],
      log: silentLog,
      flow: this.flow,
      ...(this.limits ? { limits: this.limits } : {}),
    });
    return this;
  }

  /** Stops the bot as a restart would: Discord, the database and the files stay. */
  async stop(): Promise<void> {
    await stopDemoBot(this.bot);
  }

  /** Stops everything; fails when a request or an answer broke Discord's published contract. */
  async cleanup(): Promise<void> {
    await this.stop();
    await this.fake.close();
    rmSync(this.dir, { recursive: true, force: true });
    assertContractKept(this.fake);
  }

  get store() {
    return this.bot.store;
  }
  get quota() {
    return this.bot.quota;
  }

  /** Waits for a (not deleted) bot message whose text matches. */
  waitForMessage(pattern: RegExp, what = `a message matching ${pattern}`): Promise<FakeMessage> {
    return waitFor(() => this.fake.messages().find((m) => pattern.test(m.content)), what);
  }

  /** Waits for the bot's own reactions on a message, all of them. */
  waitForBotReactions(message: FakeMessage, emojis: string[]): Promise<void> {
    const botId = this.fake.world.bot.id;
    return waitFor(
      () => emojis.every((emoji) => message.reactions.get(emoji)?.includes(botId)),
      `the bot's reactions ${emojis.join(' ')}`,
    ).then(() => undefined);
  }

  /** A user's current vote on a round's grid message, as the store has it. */
  async voteOf(round: FakeMessage, userId: string): Promise<string | number | undefined> {
    const open = await this.store.loadActiveGenerations();
    const state = open.find((s) => Object.values(s.messages).includes(round.id));
    return state?.rounds.at(-1)?.votes[userId]?.choice;
  }

  async settle(): Promise<void> {
    await this.bot.service.runner.idle();
  }
}

/** Throws naming every field of a request (or of the fake's answer) Discord's spec refuses. */
export function assertContractKept(fake: FakeDiscord): void {
  const lines = fake.rest.contractViolations.map(
    ({ side, method, path: route, problems }) =>
      `${side} ${method} ${route}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
  );
  if (lines.length > 0) {
    throw new Error(`Discord's API spec refuses:\n${lines.join('\n')}`);
  }
}

/** Polls an async check until it passes (returns its value) or 20 s are up. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
