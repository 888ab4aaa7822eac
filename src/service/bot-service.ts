// The bot: receives commands and reactions from every chat adapter, answers /history, /quota, /info
// and the admin commands, and hands /video to the flow runner. Depends only on the ports
// (src/service/ports.ts) and the chat adapter interface (src/bots/chat-adapter.ts).
import { randomUUID } from 'node:crypto';
import {
  type ChannelSettings,
  channelFlow,
  type Command,
  DEFAULT_EXTEND_RULE,
  helpText,
  parseCommand,
  type QuotaChange,
  type SettingsChange,
  type VideoRequest,
  withChannelDefaults,
} from '../core/commands/index.js';
import { quotaKeyOf, randomSeed, REQUEST_LIMITS, type RequestLimits } from '../core/contract.js';
import {
  DEFAULT_FLOW_CONFIG,
  type FlowConfig,
  type GenerationRequest,
  nextClipOf,
  flowConfigOf,
  storyClips,
  text,
  varyProblem,
} from '../core/flow/index.js';
import type { ChatAdapter, IncomingCommand, IncomingReaction } from '../bots/chat-adapter.js';
import type { Logger } from '../log.js';
import { FlowRunner } from './flow-runner.js';
import {
  describeQuotaChange,
  historyReport,
  type InfoJob,
  infoReport,
  type InfoRound,
  queueReport,
  quotaRefusal,
  quotaReport,
} from './format.js';
import { describeSettingsChange, settingsReport } from './settings-report.js';
import { inChannel } from './channel.js';
import { extendRefusal } from './story-checks.js';
import type {
  AuditLog,
  ChannelSettingsStore,
  Clock,
  FlowStore,
  FlowTimers,
  PostLeases,
  JobQueue,
  QuotaStore,
  QuotaSubject,
} from './ports.js';
import { ClockTimers } from './timers.js';

export interface BotServiceDeps {
  store: FlowStore;
  quota: QuotaStore;
  audit: AuditLog;
  /** Each channel's own defaults (/settings). */
  settings: ChannelSettingsStore;
  queue: JobQueue;
  clock: Clock;
  /** Vote deadlines; default: in this process, on `clock` (tests, the playground). */
  timers?: FlowTimers;
  /** Leases on posting grids and videos, for several bot processes; default: none (one). */
  leases?: PostLeases;
  adapters: ChatAdapter[];
  log: Logger;
  flow?: Partial<FlowConfig>;
  limits?: RequestLimits;
  historyPageSize?: number;
}

export class BotService {
  readonly runner: FlowRunner;
  private readonly adapters: Map<string, ChatAdapter>;
  private readonly limits: RequestLimits;
  private readonly pageSize: number;
  private readonly config: FlowConfig;

  constructor(private readonly deps: BotServiceDeps) {
    this.adapters = new Map(deps.adapters.map((adapter) => [adapter.platform, adapter]));
    this.limits = deps.limits ?? REQUEST_LIMITS;
    this.pageSize = deps.historyPageSize ?? 5;
    this.config = { ...DEFAULT_FLOW_CONFIG, ...deps.flow };
    this.runner = new FlowRunner({
      store: deps.store,
      quota: deps.quota,
      queue: deps.queue,
      clock: deps.clock,
      timers: deps.timers ?? new ClockTimers(deps.clock),
      ...(deps.leases ? { leases: deps.leases } : {}),
      adapters: this.adapters,
      config: this.config,
      log: deps.log,
    });
  }

  /** Resumes open generations, then starts listening on every adapter. */
  async start(): Promise<void> {
    await this.runner.start();
    for (const adapter of this.adapters.values()) {
      await adapter.start({
        command: (command) => this.onCommand(adapter, command),
        reaction: (reaction) => this.onReaction(adapter, reaction),
        ...(this.limits.vocabulary ? { vocabulary: this.limits.vocabulary } : {}),
      });
    }
  }

  async stop(): Promise<void> {
    for (const adapter of this.adapters.values()) await adapter.stop();
    await this.runner.stop();
  }

  async onReaction(adapter: ChatAdapter, reaction: IncomingReaction): Promise<void> {
    const generationId = await this.runner.generationOfMessage(
      adapter.platform,
      reaction.messageId,
    );
    if (!generationId) return;
    await this.runner.dispatch(generationId, {
      type: 'reaction',
      messageId: reaction.messageId,
      user: { id: reaction.user.id, name: reaction.user.name },
      fromBot: reaction.user.isBot === true,
      emoji: reaction.emoji,
      added: reaction.added,
    });
  }

  async onCommand(adapter: ChatAdapter, command: IncomingCommand): Promise<void> {
    const reply = (text: string) =>
      adapter.post(command.channelId, {
        text,
        visibleTo: command.user.id,
        ...(command.messageId ? { replyTo: command.messageId } : {}),
      });
    try {
      const parsed = parseCommand(command.text, {
        limits: this.limits,
        attachments: command.attachments ?? [],
        ...(command.options ? { options: command.options } : {}),
      });
      if (!parsed.ok) {
        await reply(parsed.error);
        return;
      }
      const subject = {
        platform: adapter.platform,
        workspaceId: command.workspaceId,
        userId: command.user.id,
      };
      const parsedCommand = parsed.command;
      switch (parsedCommand.kind) {
        case 'video':
          await this.startVideo(adapter, command, parsedCommand.request, reply);
          return;
        case 'extend':
          await this.extendStory(adapter, command, parsedCommand.request, reply);
          return;
        case 'vary':
          await this.varyFrame(adapter, command, parsedCommand.candidate, reply);
          return;
        case 'story-close':
          await this.closeStory(adapter, command, reply);
          return;
        case 'history': {
          const page = await this.deps.store.history({
            platform: adapter.platform,
            workspaceId: command.workspaceId,
            ...(parsedCommand.scope === 'mine' ? { userId: command.user.id } : {}),
            page: parsedCommand.page,
            pageSize: this.pageSize,
          });
          const scope = parsedCommand.scope === 'mine' ? 'yours' : 'everyone here';
          await reply(historyReport(page, this.pageSize, scope));
          return;
        }
        case 'quota-show':
          await reply(
            quotaReport(
              await this.deps.quota.status(subject, this.deps.clock.now()),
              command.user.name,
            ),
          );
          return;
        case 'quota-admin':
          await this.changeQuota(adapter, command, parsedCommand.change, reply);
          return;
        case 'queue': {
          if (!(await this.checkAdmin(adapter, command, 'queue.view', 'queue', reply))) return;
          await this.audit(adapter, command, 'queue.view', 'queue', true);
          const overview = await this.deps.queue.overview();
          // Every process's open generations (the store's), not only this one's.
          const open = await this.deps.store.loadActiveGenerations();
          await reply(queueReport(overview, open.length));
          return;
        }
        case 'info':
          await reply(await this.info(adapter, command, subject));
          return;
        case 'settings-show':
          await reply(
            settingsReport(
              await this.deps.settings.get(channelOf(adapter, command)),
              {
                voteWindowSeconds: this.config.voteWindowMs / 1000,
                maxRounds: this.config.maxRounds,
                extendBy: DEFAULT_EXTEND_RULE,
              },
              commandWord(command),
            ),
          );
          return;
        case 'settings-change':
          await this.changeSettings(adapter, command, parsedCommand.change, reply);
          return;
        case 'help':
          await reply(helpText(parsedCommand, this.limits));
          return;
      }
    } catch (error) {
      this.deps.log.error({ err: error, text: command.text }, 'command failed');
      await reply('Sorry, something went wrong on our side; please try again.').catch(() => {});
    }
  }

  /** `/info`: the caller's jobs with position and ETA, quota left, the open rounds here. */
  private async info(
    adapter: ChatAdapter,
    command: IncomingCommand,
    subject: QuotaSubject,
  ): Promise<string> {
    const [overview, quota, open] = await Promise.all([
      this.deps.queue.overview(),
      this.deps.quota.status(subject, this.deps.clock.now()),
      // Every process's open generations (the store's, the oldest first), not only this one's.
      this.deps.store.loadActiveGenerations(),
    ]);
    const openById = new Map(open.map((state) => [state.id, state]));
    const average = overview.recentJobMs;
    const running = Math.min(overview.active, 1);
    const jobs: InfoJob[] = [];
    for (const job of overview.jobs) {
      const state = openById.get(job.generationId);
      if (state?.platform !== adapter.platform || state.requester.id !== command.user.id) continue;
      // Done after the jobs ahead of it, the one running now and itself.
      const ahead = job.state === 'waiting' ? (job.position ?? 1) - 1 + running : 0;
      jobs.push({
        prompt: state.settings.prompt,
        state: job.state,
        ...(job.position === undefined ? {} : { position: job.position }),
        ...(average === undefined ? {} : { etaMs: (ahead + 1) * average }),
      });
    }
    const rounds: InfoRound[] = inChannel(open, channelOf(adapter, command)).map((state) => {
      const round = state.rounds.at(-1);
      return {
        prompt: state.settings.prompt,
        requesterName: state.requester.name,
        phase: state.phase,
        round: round?.number ?? 1,
        ...(state.phase === 'voting' && round?.closesAt !== undefined
          ? { closesAt: round.closesAt }
          : {}),
      };
    });
    return infoReport({ who: command.user.name, jobs, quota, rounds });
  }

  private async startVideo(
    adapter: ChatAdapter,
    command: IncomingCommand,
    request: VideoRequest,
    reply: (text: string) => Promise<unknown>,
  ): Promise<void> {
    // The channel's defaults, read once (before any quota is held) and kept with the
    // generation's state.
    const channel = await this.deps.settings.get(channelOf(adapter, command));
    const { image, seed, ...options } = withChannelDefaults(request, channel, this.limits);
    await this.begin(adapter, command, channel, reply, {
      settings: {
        ...options,
        seed: seed ?? randomSeed(),
        ...(image ? { imagePath: image.path } : {}),
      },
    });
  }

  /** `/video extend <caption>`: the newest video here goes on as a story (`core/flow/story.ts`). */
  private async extendStory(
    adapter: ChatAdapter,
    command: IncomingCommand,
    request: Extract<Command, { kind: 'extend' }>['request'],
    reply: (text: string) => Promise<unknown>,
  ): Promise<void> {
    const here = channelOf(adapter, command);
    const [channel, previous] = await Promise.all([
      this.deps.settings.get(here),
      this.deps.store.latestVideo(here.platform, here.workspaceId, here.channelId),
    ]);
    const user = { id: command.user.id, name: command.user.name };
    const rule = channel.extendBy ?? DEFAULT_EXTEND_RULE;
    const problem = await extendRefusal(this.deps, here, previous, user, rule, this.config);
    if (problem || !previous) {
      await reply(`Sorry, I can't do that: ${problem}.`);
      return;
    }
    // Steps and guidance follow the channel; the continuations are made at the model's own
    // rate, whatever the channel's fps.
    const { seed, fps: _fps, ...options } = withChannelDefaults(request, channel, this.limits);
    await this.begin(adapter, command, channel, reply, {
      settings: { ...options, seed: seed ?? randomSeed() },
      story: nextClipOf(previous),
    });
  }

  /**
   * `/video vary <n>`: the asker's own open vote in this channel (else the newest open one, whose
   * flow answers that only its requester picks) goes to a round of variations of frame n.
   */
  private async varyFrame(
    adapter: ChatAdapter,
    command: IncomingCommand,
    candidate: number,
    reply: (text: string) => Promise<unknown>,
  ): Promise<void> {
    const open = inChannel(
      await this.deps.store.loadActiveGenerations(),
      channelOf(adapter, command),
    );
    const voting = open
      .filter((state) => state.phase === 'voting')
      .sort((a, b) => b.createdAt - a.createdAt);
    const target = voting.find((state) => state.requester.id === command.user.id) ?? voting[0];
    if (!target) {
      await reply(text.noOpenVote());
      return;
    }
    const user = { id: command.user.id, name: command.user.name };
    // Checked here too, so the command itself is answered (Discord waits for an answer).
    const problem = varyProblem(target, user, flowConfigOf(target, this.config));
    if (problem) {
      await reply(problem);
      return;
    }
    const round = target.rounds.at(-1)!.number;
    await this.runner.dispatch(target.id, { type: 'varyAsked', user, round, candidate });
    // Said only once the saved round says so (a vote that closed meanwhile answers itself).
    const outcome = (await this.deps.store.loadGeneration(target.id))?.state.rounds.find(
      (r) => r.number === round,
    )?.outcome;
    const asked = outcome?.kind === 'vary' && outcome.candidate === candidate;
    await reply(
      asked
        ? `Four variations of frame ${candidate} are on their way (the next round).`
        : `Sorry, the variations of frame ${candidate} could not be asked for: the vote changed meanwhile.`,
    );
  }

  /** `/video extend close` (admins): the story of the newest video here is not extended. */
  private async closeStory(
    adapter: ChatAdapter,
    command: IncomingCommand,
    reply: (text: string) => Promise<unknown>,
  ): Promise<void> {
    const here = channelOf(adapter, command);
    const action = 'story.close';
    const target = `channel:${command.channelId}`;
    const open = 'Anyone may continue it with /video extend <what happens next>.';
    if (!(await this.checkAdmin(adapter, command, action, target, reply, open))) return;
    const previous = await this.deps.store.latestVideo(
      here.platform,
      here.workspaceId,
      here.channelId,
    );
    if (!previous) {
      await reply(
        "Sorry, I can't do that: there is no video in this channel, so no story to close.",
      );
      return;
    }
    const caption = storyClips(previous)[0]?.caption;
    if (previous.storyClosed) {
      await reply(`The story "${caption}" is already closed (by ${previous.storyClosed.by}).`);
      return;
    }
    await this.runner.closeStory(previous.id, { id: command.user.id, name: command.user.name });
    // Said only once it is saved (closeStory logs a failure and saves nothing).
    const closed = (await this.deps.store.loadGeneration(previous.id))?.state.storyClosed;
    if (!closed) {
      await reply(`Sorry, the story "${caption}" could not be closed; please try again.`);
      return;
    }
    await this.audit(adapter, command, action, target, true, { story: previous.id });
    await reply(`Done: the story "${caption}" is closed; /video <prompt> starts a new one.`);
  }

  /**
   * Reserves the quota, announces the request where the platform does it late (Slack), and
   * starts the generation with the channel's vote window and rounds.
   */
  private async begin(
    adapter: ChatAdapter,
    command: IncomingCommand,
    channel: ChannelSettings,
    reply: (text: string) => Promise<unknown>,
    what: Pick<GenerationRequest, 'settings' | 'story'>,
  ): Promise<void> {
    const id = randomUUID();
    const subject = {
      platform: adapter.platform,
      workspaceId: command.workspaceId,
      userId: command.user.id,
    };
    const decision = await this.deps.quota.reserve(quotaKeyOf(id), subject, this.deps.clock.now());
    if (!decision.ok) {
      await reply(quotaRefusal(decision));
      return;
    }
    // Slack posts the request only now that it is accepted; if the platform refuses, the
    // reservation goes back.
    let requestMessageId = command.messageId;
    if (command.announce) {
      try {
        requestMessageId = await command.announce();
      } catch (error) {
        await this.deps.quota.refund(quotaKeyOf(id));
        throw error; // answered like any command that failed
      }
      if (requestMessageId === undefined) {
        await this.deps.quota.refund(quotaKeyOf(id)); // the adapter told the user why
        return;
      }
    }
    const flow = channelFlow(channel);
    await this.runner.begin({
      id,
      platform: adapter.platform,
      workspaceId: command.workspaceId,
      channelId: command.channelId,
      requester: { id: command.user.id, name: command.user.name },
      ...(requestMessageId ? { requestMessageId } : {}),
      ...what,
      ...(Object.keys(flow).length > 0 ? { flow } : {}),
    });
  }

  /** Checks the platform's admin permission; a refusal (with `open`: what everyone may do
   * instead) is audited too. */
  private async checkAdmin(
    adapter: ChatAdapter,
    command: IncomingCommand,
    action: string,
    target: string,
    reply: (text: string) => Promise<unknown>,
    open?: string,
  ): Promise<boolean> {
    const allowed = await adapter.isAdmin(command.workspaceId, command.user.id);
    if (!allowed) {
      await this.audit(adapter, command, action, target, false);
      const instead = open ? ` ${open}` : '';
      const what = ADMIN_ACTIONS[action] ?? `use ${commandWord(command)} that way`;
      await reply(`Sorry, only workspace admins can ${what}.${instead}`);
    }
    return allowed;
  }

  private async changeSettings(
    adapter: ChatAdapter,
    command: IncomingCommand,
    change: SettingsChange,
    reply: (text: string) => Promise<unknown>,
  ): Promise<void> {
    const action = `settings.${change.action}`;
    const target = `channel:${command.channelId}`;
    const open = `Everyone can see this channel's settings with ${commandWord(command)} show.`;
    if (!(await this.checkAdmin(adapter, command, action, target, reply, open))) return;
    const { before, after } = await this.deps.settings.change(channelOf(adapter, command), change);
    await this.audit(adapter, command, action, target, true, { change, before, after });
    await reply(`Done: ${describeSettingsChange(change)}.`);
  }

  private async changeQuota(
    adapter: ChatAdapter,
    command: IncomingCommand,
    change: QuotaChange,
    reply: (text: string) => Promise<unknown>,
  ): Promise<void> {
    const action = `quota.${change.action}`;
    const target = change.target.kind === 'user' ? `user:${change.target.userId}` : 'workspace';
    if (!(await this.checkAdmin(adapter, command, action, target, reply))) return;
    await this.deps.quota.change(
      { platform: adapter.platform, workspaceId: command.workspaceId },
      change,
      this.deps.clock.now(),
    );
    await this.audit(adapter, command, action, target, true, change);
    await reply(`Done: ${describeQuotaChange(change)}.`);
  }

  private audit(
    adapter: ChatAdapter,
    command: IncomingCommand,
    action: string,
    target: string,
    allowed: boolean,
    details?: unknown,
  ): Promise<void> {
    return this.deps.audit.record({
      platform: adapter.platform,
      workspaceId: command.workspaceId,
      actorId: command.user.id,
      actorName: command.user.name,
      action,
      target,
      allowed,
      ...(details === undefined ? {} : { details }),
      at: this.deps.clock.now(),
    });
  }
}

function channelOf(adapter: ChatAdapter, command: IncomingCommand) {
  return {
    platform: adapter.platform,
    workspaceId: command.workspaceId,
    channelId: command.channelId,
  };
}

/** Admin actions named in words where the command's name would mislead (Discord's /extend
 * arrives as /video). */
const ADMIN_ACTIONS: Record<string, string> = { 'story.close': 'close a story' };

/** How the user named the command: "/settings", "/video-settings". */
function commandWord(command: IncomingCommand): string {
  return command.text.trim().split(/\s+/)[0] ?? '';
}
