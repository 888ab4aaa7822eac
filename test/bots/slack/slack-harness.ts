// The Slack bot on real parts, minus Slack: the Bolt app listening on a local port (HTTP
// mode, checking signatures) or connected to the fake's Socket Mode WebSocket, its Web API
// calls answered by FakeSlack, and the real bot service behind it: in `SlackHarness` on the
// Prisma stores (a SQLite file) and the in-process jobs that write real PNG/MP4/GIF files, where
// only the flow's clock is moved by hand (to close a vote); Bolt's signature check uses the
// real time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createSlackAdapter,
  type SlackAdapterOptions,
  type SlackChatAdapter,
} from '../../../src/bots/slack/index.js';
import type { ChatAdapter } from '../../../src/bots/chat-adapter.js';
import { ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import type { FlowConfig, GenerationState } from '../../../src/core/flow/types.js';
import type { FlowStore } from '../../../src/service/ports.js';
import { createLogger, type Logger } from '../../../src/log.js';
import { type DemoBot, startDemoBot, stopDemoBot } from '../../service/service-harness.js';
import { ManualClock, waitFor } from '../../helpers/manual-clock.js';
import { FakeSlack, type FakeMessage } from './fake-slack.js';
import {
  reactionEventBody,
  sendSigned,
  slashCommandBody,
  type SendOptions,
} from './signed-requests.js';

export const SECRET = 'test-signing-secret-0123456789abcdef';
export const TEAM = 'T0TEST';
export const CHANNEL = 'C0GENERAL';
export const BOT = 'U0BOT';

/** People in the fake workspace: ALICE asks, BOB and CAROL vote, DAVE is a workspace admin,
 * ERIN an admin by the app's own list. */
export const USERS = {
  alice: 'U0ALICE',
  bob: 'U0BOB',
  carol: 'U0CAROL',
  dave: 'U0DAVE',
  erin: 'U0ERIN',
} as const;
export type Person = keyof typeof USERS;

/**
 * Slack faked at the wire and the Slack adapter talking to it; what runs behind the adapter
 * (the bot service and its store) is up to the subclass: `SlackHarness` (the demo parts,
 * hand-moved clock) or a test's own on the real stack.
 */
export abstract class SlackDriver {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ff-slack-'));
  /** Every log line the bot wrote, parsed. */
  readonly logs: Record<string, unknown>[] = [];
  readonly fake = new FakeSlack({
    token: 'xoxb-test-token',
    appToken: 'xapp-test-token',
    teamId: TEAM,
    botUserId: BOT,
    channels: [CHANNEL],
    users: [
      { id: BOT, name: 'firstframe', isBot: true },
      { id: USERS.alice, name: 'alice' },
      { id: USERS.bob, name: 'bob' },
      { id: USERS.carol, name: 'carol' },
      { id: USERS.dave, name: 'dave', isAdmin: true },
      { id: USERS.erin, name: 'erin' },
    ],
  });
  adapter!: SlackChatAdapter;
  private responseCount = 0;
  private eventCount = 0;

  constructor(
    readonly mode: 'http' | 'socket' = 'http',
    /** Settings of the adapter that differ from the tests' usual ones (e.g. `apiRetries`). */
    private readonly adapterOptions: Partial<SlackAdapterOptions> = {},
  ) {}

  /** Starts the bot service (with `adapter` among its chat adapters). */
  protected abstract startBot(adapter: SlackChatAdapter, log: Logger): Promise<void>;
  protected abstract stopBot(): Promise<void>;
  /** The store the flow saves its state in after every event. */
  protected abstract get flowStore(): FlowStore;

  async start(): Promise<this> {
    await this.fake.start();
    await this.startAdapter();
    return this;
  }

  /** A new bot process on the same files and the same Slack: the adapter and service again. */
  async restart(): Promise<void> {
    await this.stopBot();
    await this.startAdapter();
  }

  private async startAdapter(): Promise<void> {
    const log = createLogger('info', 'slack-test', {
      write: (line: string) => void this.logs.push(JSON.parse(line) as Record<string, unknown>),
    });
    this.adapter = createSlackAdapter({
      botToken: 'xoxb-test-token',
      connection:
        this.mode === 'http'
          ? { mode: 'http', signingSecret: SECRET, port: 0, host: '127.0.0.1' }
          : { mode: 'socket', appToken: 'xapp-test-token' },
      admins: [USERS.erin],
      log,
      apiUrl: this.fake.apiUrl,
      apiRetries: 0,
      sharePollDelays: [10, 20, 50, 100],
      ...this.adapterOptions,
    });
    await this.startBot(this.adapter, log);
  }

  /** Stops everything; fails when a text posted would not read in Slack as meant. */
  async cleanup(): Promise<void> {
    await this.stopBot();
    await this.fake.stop();
    rmSync(this.dir, { recursive: true, force: true });
    const wrong = this.fake.markupViolations.map(
      ({ method, text, problems }) => `${method} ${JSON.stringify(text)}: ${problems.join('; ')}`,
    );
    if (wrong.length > 0) throw new Error(`Slack would misread:\n${wrong.join('\n')}`);
  }

  get eventsUrl(): string {
    return `${this.adapter.url}/slack/events`;
  }

  /**
   * Sends a slash command as Slack would (a signed POST, or an envelope over Socket Mode).
   * Returns the status and body of the acknowledgement, and the id of the command's response
   * URL (see `answersTo`).
   */
  async command(
    who: Person,
    command: string,
    text: string,
    options: Partial<SendOptions> & { channelId?: string } = {},
  ): Promise<{ status: number; body: string; responseId: string }> {
    this.responseCount += 1;
    const responseId = `r${this.responseCount}`;
    const body = slashCommandBody({
      command,
      text,
      userId: USERS[who],
      userName: who,
      channelId: options.channelId ?? CHANNEL,
      teamId: TEAM,
      responseUrl: this.fake.responseUrl(responseId),
    });
    if (this.mode === 'socket') {
      const payload = Object.fromEntries(new URLSearchParams(body));
      const ack = await this.fake.envelope('slash_commands', payload);
      // An empty acknowledgement carries `payload: {}` over the socket.
      const answer = JSON.stringify(ack.payload ?? {});
      return { status: 200, body: answer === '{}' ? '' : answer, responseId };
    }
    const response = await sendSigned(this.eventsUrl, body, 'application/x-www-form-urlencoded', {
      secret: SECRET,
      ...options,
    });
    return { status: response.status, body: await response.text(), responseId };
  }

  /** Sends a reaction event; returns its event id (to send it again as a retry). */
  async react(
    userId: string,
    reaction: string,
    ts: string,
    added = true,
    eventId?: string,
    retryNum?: number,
  ): Promise<string> {
    this.eventCount += 1;
    const id = eventId ?? `Ev${String(this.eventCount).padStart(8, '0')}`;
    const body = reactionEventBody({
      eventId: id,
      added,
      userId,
      reaction,
      channelId: CHANNEL,
      ts,
      teamId: TEAM,
    });
    if (this.mode === 'socket') {
      await this.fake.envelope('events_api', JSON.parse(body) as Record<string, unknown>, retryNum);
      return id;
    }
    const response = await sendSigned(this.eventsUrl, body, 'application/json', {
      secret: SECRET,
      ...(retryNum === undefined ? {} : { retryNum }),
    });
    if (response.status !== 200) throw new Error(`event answered ${response.status}`);
    return id;
  }

  /**
   * Alice asks for a video; checks that the command is acknowledged while the bot's first Web
   * API call is still unanswered (so the ack never waits for Slack: well within its 3 s), then
   * waits for the request repeated in the channel and the grid in its thread with the bot's
   * six reactions.
   */
  async startVideo(prompt: string, options: string) {
    const release = this.fake.hold('chat.postMessage');
    const ack = await this.command('alice', '/video', `${prompt} ${options}`);
    release();
    if (ack.status !== 200 || ack.body !== '') {
      throw new Error(`the /video ack was ${ack.status} ${JSON.stringify(ack.body)}`);
    }
    const request = await this.waitForMessage(
      (m) => m.text === `<@${USERS.alice}>: /video ${prompt} ${options}`,
      'the request repeated in the channel',
    );
    const grid = await this.waitForMessage(
      (m) => m.threadTs === request.ts && m.fileIds.length > 0 && m.text.includes(prompt),
      'the grid uploaded in the thread',
    );
    await waitFor(
      () => this.fake.reactions.filter((r) => r.ts === grid.ts).length === ROUND_REACTIONS.length,
      'the bot reactions on the grid',
    );
    return { request, grid };
  }

  /** The ephemeral answers sent to a command's response URL. */
  answersTo(responseId: string): string[] {
    return this.fake.responses.filter((r) => r.id === responseId).map((r) => String(r.body.text));
  }

  waitForAnswer(responseId: string, pattern: RegExp): Promise<string> {
    return waitFor(
      () => this.answersTo(responseId).find((text) => pattern.test(text)),
      `an answer matching ${pattern}`,
    );
  }

  waitForMessage(check: (message: FakeMessage) => boolean, what: string): Promise<FakeMessage> {
    return waitFor(() => this.fake.messages.find(check), what);
  }

  /** The open generation of a prompt, as saved in the store after every event. */
  async generation(prompt: string): Promise<GenerationState | undefined> {
    const open = await this.flowStore.loadActiveGenerations();
    return open.find((state) => state.settings.prompt === prompt);
  }

  /** Current votes (user id → choice) of a prompt's open round. */
  async votes(prompt: string): Promise<Record<string, number | string>> {
    const round = (await this.generation(prompt))?.rounds.at(-1);
    return Object.fromEntries(
      Object.entries(round?.votes ?? {}).map(([user, vote]) => [user, vote.choice]),
    );
  }

  async waitForVotes(prompt: string, expected: Record<string, number | string>): Promise<void> {
    const want = JSON.stringify(sorted(expected));
    let last = '';
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      last = JSON.stringify(sorted(await this.votes(prompt)));
      if (last === want) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`votes are ${last}, expected ${want}`);
  }
}

/** The Slack bot on the demo parts (Prisma stores on SQLite, in-process jobs), on a hand-moved
 * clock. */
export class SlackHarness extends SlackDriver {
  readonly clock = new ManualClock();
  /** Chat adapters the bot serves next to Slack's (set before `start`). */
  alongside: ChatAdapter[] = [];
  bot!: DemoBot;

  constructor(
    mode: 'http' | 'socket' = 'http',
    private readonly flow: Partial<FlowConfig> = {},
    adapterOptions: Partial<SlackAdapterOptions> = {},
  ) {
    super(mode, adapterOptions);
  }

  protected async startBot(adapter: SlackChatAdapter, log: Logger): Promise<void> {
    this.bot = await startDemoBot({
      dir: this.dir,
      clock: this.clock,
      adapters: [adapter, ...this.alongside],
      log,
      flow: this.flow,
    });
  }

  protected stopBot(): Promise<void> {
    return stopDemoBot(this.bot);
  }

  protected get flowStore(): FlowStore {
    return this.bot.store;
  }

  get quota() {
    return this.bot.quota;
  }

  /** Videos counted today against a user (reserved or committed), once the flow is idle. */
  async usedQuota(who: Person = 'alice'): Promise<number> {
    await this.service.runner.idle();
    const subject = { platform: 'slack', workspaceId: TEAM, userId: USERS[who] };
    return (await this.quota.status(subject, this.clock.now())).user.daily.used;
  }
  get service() {
    return this.bot.service;
  }
}

function sorted(record: Record<string, unknown>): [string, unknown][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}
