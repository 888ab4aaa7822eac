// Runs generations: feeds events to the pure flow one at a time per generation, saves the
// state, and performs the effects through the ports. Outcomes of effects (a posted message's
// id, a job's queue position, a quota decision) go straight back into the flow.
//
// Several bot processes may run a FlowRunner over the same store. Each event is handled with
// optimistic concurrency: take the state (cached while this process knows its version, else
// loaded), reduce, and save by compare-and-set on the version; when another process saved in
// between, load the state again and reduce again (at most MAX_SAVE_ATTEMPTS times). Only the
// process whose save won performs the effects, so each post, job and quota change happens once.
//
// Job events reach every bot process (BullMQ's QueueEvents); each one finds the generation from
// the job id (the contract's `generationOfJobId`) and feeds the event like any other, so a
// job's outcome is handled even when the process that queued it has died. The compare-and-set
// decides: the first save performs the effects, the others reduce the event again on the saved
// state, where the flow ignores it (no change, nothing saved, nothing performed).
import { generationOfJobId, quotaKeyOf, takeGenerationId } from '../core/contract.js';
import {
  isActive,
  reduce,
  resumeEffects,
  startGeneration,
  startRetake,
  type FlowConfig,
  type FlowEffect,
  type FlowEvent,
  type GenerationRequest,
  type GenerationState,
  type Person,
  type Transition,
} from '../core/flow/index.js';
import {
  DeliveryError,
  type ChatAdapter,
  type MessageRef,
  type OutgoingMessage,
} from '../bots/chat-adapter.js';
import type { Logger } from '../log.js';
import type {
  Clock,
  FlowStore,
  FlowTimers,
  JobEvent,
  JobQueue,
  JobTicket,
  PostLeases,
  QuotaStore,
  VersionedState,
} from './ports.js';
import { formatTime, limitPhrase } from './format.js';

type EventInput = FlowEvent extends infer E
  ? E extends FlowEvent
    ? Omit<E, 'now'>
    : never
  : never;

export interface FlowRunnerDeps {
  store: FlowStore;
  quota: QuotaStore;
  queue: JobQueue;
  clock: Clock;
  /** Vote deadlines: BullMQ delayed jobs in the product, the clock's timers in tests. */
  timers: FlowTimers;
  /** Who posts a grid or a video across bot processes; left out (one process), all post. */
  leases?: PostLeases;
  adapters: ReadonlyMap<string, ChatAdapter>;
  config: FlowConfig;
  log: Logger;
}

/** Finished generations kept in memory, so late reactions on their grids get an answer. */
const MAX_FINISHED = 200;
/** Saves of one event lost to other processes before it is given up (and logged). */
const MAX_SAVE_ATTEMPTS = 20;
/** Saves of one event that failed (the database busy or away) before it is given up. */
const MAX_SAVE_FAILURES = 4;
const SAVE_RETRY_MS = 1_000;
/** Failed re-takes (called off, no quota, job failed) passed over to find the next take. */
const MAX_FAILED_TAKES = 50;

export class FlowRunner {
  private readonly active = new Map<string, GenerationState>();
  /** The stored version of each state in `active`; absent: unknown, load before saving. */
  private readonly versions = new Map<string, number>();
  /** Recently finished generations, the oldest first (not saved again, never resumed). */
  private readonly finished = new Map<string, GenerationState>();
  private readonly byMessage = new Map<string, string>();
  private readonly chains = new Map<string, Promise<void>>();
  private unsubscribe: (() => void) | undefined;
  /** Generations to look at again once another process's post lease runs out. */
  private readonly rechecks = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: FlowRunnerDeps) {}

  /**
   * Subscribes to job events and carries on every generation left open by the last run; the
   * last MAX_FINISHED finished ones are known again, so late reactions on them are answered.
   */
  async start(): Promise<void> {
    this.unsubscribe = this.deps.queue.subscribe((event) => this.onJobEvent(event));
    await this.deps.timers.start((generationId, round) => this.fireTimer(generationId, round));
    for (const state of await this.deps.store.loadRecentlyFinished(MAX_FINISHED)) {
      this.keepFinished(state);
    }
    const open = await this.deps.store.loadActiveGenerations();
    for (const state of open) {
      this.remember(state);
      this.serially(state.id, () => this.resume(state.id));
    }
    if (open.length > 0) this.deps.log.info({ count: open.length }, 'resumed open generations');
  }

  /**
   * Carries on a generation left open (by a restart): what `resumeEffects` says, performed by
   * the one process whose save of the state as it is wins (of several bot processes starting
   * together, one posts a grid that was not delivered; the others leave it).
   */
  private async resume(generationId: string): Promise<void> {
    const loaded = await this.deps.store.loadGeneration(generationId);
    if (!loaded) return;
    const { state, version } = loaded;
    this.remember(state, version);
    if (!isActive(state) || !(await this.deps.store.saveGeneration(state, version))) return;
    this.remember(state, version + 1);
    await this.perform(state, resumeEffects(state, this.deps.config));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const timer of this.rechecks) clearTimeout(timer);
    this.rechecks.clear();
    await this.deps.timers.stop();
    await Promise.allSettled([...this.chains.values()]);
  }

  /** Open generations this process knows (the store has every process's). */
  get openGenerations(): number {
    return this.active.size;
  }

  /**
   * Starts a generation whose quota is reserved (key `quotaKeyOf(id)`); resolves when its first
   * effects are done. If it cannot even be saved, the reservation is refunded and this throws.
   */
  async begin(request: GenerationRequest): Promise<void> {
    let failure: unknown;
    await this.serially(request.id, async () => {
      try {
        const { state, effects } = startGeneration(request, this.deps.clock.now());
        if (!(await this.deps.store.saveGeneration(state, null))) {
          throw new Error(`generation ${request.id} exists already`);
        }
        this.remember(state, 0);
        await this.perform(state, effects);
      } catch (error) {
        failure = error;
        this.active.delete(request.id);
        this.versions.delete(request.id);
        await this.deps.quota.refund(quotaKeyOf(request.id));
      }
    });
    if (failure) throw failure;
  }

  /**
   * The generation a message belongs to (for reactions): known here, or a grid that another
   * process posted (asked of the store).
   */
  async generationOfMessage(platform: string, messageId: string): Promise<string | undefined> {
    return (
      this.byMessage.get(`${platform}:${messageId}`) ??
      (await this.deps.store.generationOfMessage(platform, messageId))
    );
  }

  dispatch(generationId: string, event: EventInput): Promise<void> {
    return this.serially(generationId, () => this.handle(generationId, event));
  }

  /**
   * An admin closed the story this finished video ends: the one change saved on a finished
   * generation (compare-and-set on the store's copy; another process's copy of it may keep the
   * old state until it reloads, which only the next /video extend does, from the store).
   */
  closeStory(generationId: string, by: Person): Promise<void> {
    return this.serially(generationId, async () => {
      for (let attempt = 1; attempt <= MAX_SAVE_ATTEMPTS; attempt += 1) {
        const loaded = await this.deps.store.loadGeneration(generationId);
        if (!loaded) return;
        const event: FlowEvent = { type: 'storyClosed', now: this.deps.clock.now(), by };
        const transition = reduce(loaded.state, event, this.configFor(loaded.state));
        if (transition.effects.length === 0) return; // not finished, or closed already
        // It keeps the time it finished: the channel's newest video is found by that time.
        transition.state.updatedAt = loaded.state.updatedAt;
        if (await this.deps.store.saveGeneration(transition.state, loaded.version)) {
          if (this.finished.has(generationId)) this.keepFinished(transition.state);
          return this.perform(transition.state, transition.effects);
        }
      }
      throw new Error(`closing the story of ${generationId} lost to other processes`);
    });
  }

  /**
   * A deadline: like `dispatch`, but rejects when the event could not be handled, so a timer
   * queue tries it again (possibly in another process).
   */
  async fireTimer(generationId: string, round: number): Promise<void> {
    let failure: unknown;
    await this.serially(generationId, async () => {
      try {
        await this.handle(generationId, { type: 'timer', round });
      } catch (error) {
        failure = error;
        throw error; // logged by `serially`
      }
    });
    if (failure) throw failure;
  }

  /** Settles when every queued event of every generation has been handled (for tests). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  private serially(generationId: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(generationId) ?? Promise.resolve();
    const next = previous
      .then(work)
      .then(() => this.forgetIfFinished(generationId))
      .catch((error: unknown) =>
        this.deps.log.error({ err: error, generationId }, 'flow step failed'),
      );
    this.chains.set(generationId, next);
    void next.then(() => {
      if (this.chains.get(generationId) === next) this.chains.delete(generationId);
    });
    return next;
  }

  private onJobEvent(event: JobEvent): void {
    const generationId = generationOfJobId(event.jobId);
    if (!generationId) return;
    void this.dispatch(generationId, jobEventToFlow(event));
  }

  /**
   * Applies one event now (inside the generation's chain in this process): reduce, then save
   * by compare-and-set; when another process saved first, reduce again on its state.
   */
  private async handle(generationId: string, event: EventInput): Promise<void> {
    let failures = 0;
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.current(generationId);
      if (!current) return;
      const { state, version } = current;
      const transition: Transition = reduce(
        state,
        { ...event, now: this.deps.clock.now() } as FlowEvent,
        this.configFor(state),
      );
      // A finished generation only answers (a late reaction): its state stays as it ended.
      if (!isActive(state)) return this.perform(state, transition.effects);
      // Nothing to do on the stored state (an event another process handled already): nothing
      // to save either. This process's copy may be behind the store: ask the store first.
      if (transition.effects.length === 0 && unchanged(state, transition.state)) {
        if (current.loaded) return;
        this.versions.delete(generationId);
        continue;
      }
      let saved: boolean;
      try {
        saved = await this.deps.store.saveGeneration(transition.state, version);
      } catch (error) {
        // A failed save wrote nothing (its transaction rolled back): handle the event again
        // rather than lose it (an outcome lost leaves the generation waiting for ever).
        if ((failures += 1) >= MAX_SAVE_FAILURES) throw error;
        this.deps.log.warn({ err: error, generationId, event: event.type }, 'save failed, again');
        await sleep(SAVE_RETRY_MS * failures);
        this.versions.delete(generationId);
        continue;
      }
      if (saved) {
        this.remember(transition.state, version + 1);
        return this.perform(transition.state, transition.effects);
      }
      this.versions.delete(generationId); // another process saved first: load its state
      if (attempt >= MAX_SAVE_ATTEMPTS) {
        throw new Error(`${attempt} saves of one ${event.type} event lost to other processes`);
      }
    }
  }

  /**
   * The generation's state and version: this process's copy while it knows the version (the
   * save checks it), a finished one as it ended, else the store's.
   */
  private async current(
    generationId: string,
  ): Promise<(VersionedState & { loaded: boolean }) | undefined> {
    const finished = this.finished.get(generationId);
    if (finished) return { state: finished, version: -1, loaded: false };
    const state = this.active.get(generationId);
    const version = this.versions.get(generationId);
    if (state && version !== undefined) return { state, version, loaded: false };
    const loaded = await this.deps.store.loadGeneration(generationId);
    if (!loaded) return undefined;
    this.remember(loaded.state, loaded.version);
    return { ...loaded, loaded: true };
  }

  /** Keeps an open generation's state (and its stored version, when known). */
  private remember(state: GenerationState, version?: number): void {
    this.active.set(state.id, state);
    if (version === undefined) this.versions.delete(state.id);
    else this.versions.set(state.id, version);
    this.knowMessages(state);
  }

  /** Reactions on the generation's messages (its grids) go to it. */
  private knowMessages(state: GenerationState): void {
    for (const messageId of Object.values(state.messages)) {
      this.byMessage.set(`${state.platform}:${messageId}`, state.id);
    }
  }

  /**
   * Moves a done or failed generation out of the open ones, once all its effects are performed;
   * its messages stay known (late reactions) until MAX_FINISHED newer ones have finished.
   */
  private forgetIfFinished(generationId: string): void {
    const state = this.active.get(generationId);
    if (!state || isActive(state)) return;
    this.active.delete(generationId);
    this.versions.delete(generationId);
    this.keepFinished(state);
  }

  /** Keeps a finished generation's messages known, forgetting the oldest past MAX_FINISHED. */
  private keepFinished(state: GenerationState): void {
    this.finished.set(state.id, state);
    this.knowMessages(state);
    for (const [oldest, old] of this.finished) {
      if (this.finished.size <= MAX_FINISHED) break;
      this.finished.delete(oldest);
      for (const messageId of Object.values(old.messages)) {
        this.byMessage.delete(`${old.platform}:${messageId}`);
      }
    }
  }

  /** Performs the effects of a transition to `state` (whose save won), in order. */
  private async perform(state: GenerationState, effects: FlowEffect[]): Promise<void> {
    const generationId = state.id;
    for (const effect of effects) {
      try {
        const outcome = await this.run(state, effect);
        if (outcome) await this.handle(generationId, outcome);
      } catch (error) {
        this.deps.log.error({ err: error, generationId, effect: effect.type }, 'effect failed');
        // Effects the flow waits on must answer, or the generation would wait forever.
        if (effect.type === 'enqueue') {
          await this.handle(generationId, {
            type: 'jobFailed',
            jobId: effect.job.jobId,
            // The queue's QueueUnavailableError: Redis away, nothing added (the fail refunds).
            reason:
              (error as Error | undefined)?.name === 'QueueUnavailableError'
                ? 'the queue is unavailable, nothing was charged'
                : 'the job queue could not take the job',
          });
        } else if (effect.type === 'reserveQuota') {
          await this.handle(generationId, {
            type: 'quotaDenied',
            key: effect.key,
            reason: 'the quota could not be checked',
          });
        }
      }
    }
  }

  /**
   * A 🔁 under the finished video `previous`: hands the reaction to its re-take, starting the
   * re-take first when there is none (created once: of two processes, the one whose insert
   * loses hands the reaction to the other's). A failed take is passed over for the next one.
   */
  private async retake(
    previous: GenerationState,
    effect: Extract<FlowEffect, { type: 'retake' }>,
  ): Promise<void> {
    const { reaction } = effect;
    for (let take = effect.take; take < effect.take + MAX_FAILED_TAKES;) {
      const id = takeGenerationId(effect.firstId, take);
      const known = this.active.get(id) ?? this.finished.get(id);
      const existing = known ?? (await this.deps.store.loadGeneration(id))?.state;
      if (existing?.phase === 'failed') {
        take += 1;
        continue;
      }
      if (existing) return this.dispatch(id, reaction);
      if (!reaction.added) return;
      const { state, effects } = startRetake(
        previous,
        take,
        reaction.user,
        this.deps.clock.now(),
        this.configFor(previous),
      );
      if (await this.deps.store.saveGeneration(state, null)) {
        return this.serially(id, async () => {
          this.remember(state, 0);
          await this.perform(state, effects);
        });
      }
    }
    this.deps.log.warn({ generationId: effect.firstId }, 'too many failed re-takes');
  }

  /** The flow's settings, with the progress cadence no faster than the platform allows. */
  private configFor(state: GenerationState): FlowConfig {
    const floor = this.deps.adapters.get(state.platform)?.minProgressEditIntervalMs ?? 0;
    const { config } = this.deps;
    return floor > config.progressEditIntervalMs
      ? { ...config, progressEditIntervalMs: floor }
      : config;
  }

  private adapterFor(state: GenerationState): ChatAdapter {
    const adapter = this.deps.adapters.get(state.platform);
    if (!adapter) throw new Error(`no chat adapter for platform "${state.platform}"`);
    return adapter;
  }

  private messageRef(state: GenerationState, key: string): MessageRef | undefined {
    const messageId = state.messages[key];
    return messageId ? { channelId: state.channelId, messageId } : undefined;
  }

  /**
   * Posts a message the flow waits on once in the deployment: under a lease on the generation's
   * `key`, given back once the outcome is saved (a process resuming the generation meanwhile
   * finds it posted). A lease held elsewhere: nothing now, and the generation is resumed here
   * once that lease has run out (posted by then, or its holder died before saving it). Redis
   * away: posted without one (a double post is then possible, a lost one is not).
   */
  private async postOnce(
    state: GenerationState,
    key: string,
    message: OutgoingMessage,
  ): Promise<undefined> {
    let lease;
    try {
      lease = await this.deps.leases?.take(state.id, key);
    } catch (error) {
      this.deps.log.warn({ err: error, generationId: state.id, key }, 'posting without a lease');
    }
    if (typeof lease === 'number') {
      this.resumeLater(state.id, lease);
      return undefined;
    }
    await this.handle(state.id, await this.deliver(state, key, message));
    await lease?.release().catch((error: unknown) => {
      this.deps.log.warn({ err: error, generationId: state.id, key }, 'post lease not released');
    });
    return undefined;
  }

  private resumeLater(generationId: string, ms: number): void {
    const timer = setTimeout(() => {
      this.rechecks.delete(timer);
      void this.serially(generationId, () => this.resume(generationId));
    }, ms + 50);
    this.rechecks.add(timer);
  }

  /**
   * Posts a message the flow waits on, retrying with backoff and lighter versions of it (see
   * `lighterVersions`); answers `messagePosted`, or `deliveryFailed` with the last refusal's
   * reason for the requester (a DeliveryError's; any other error gets a plain sentence). A
   * permanent DeliveryError (a missing permission, a channel gone) is not tried again.
   */
  private async deliver(
    state: GenerationState,
    key: string,
    message: OutgoingMessage,
  ): Promise<EventInput> {
    const { deliveryAttempts, deliveryRetryMs } = this.deps.config;
    const versions = lighterVersions(message);
    let failure: unknown;
    for (let attempt = 0; attempt < Math.max(1, deliveryAttempts); attempt += 1) {
      if (attempt > 0) await sleep(deliveryRetryMs * 2 ** (attempt - 1));
      const version = versions[Math.min(attempt, versions.length - 1)] as OutgoingMessage;
      try {
        const ref = await this.adapterFor(state).post(state.channelId, version);
        return { type: 'messagePosted', key, messageId: ref.messageId };
      } catch (error) {
        failure = error;
        const permanent = error instanceof DeliveryError && error.permanent;
        this.deps.log.warn(
          { err: error, generationId: state.id, key, attempt: attempt + 1, permanent },
          'message not delivered',
        );
        if (permanent) break; // no retry can fix it: fail (and refund) now
      }
    }
    const reason =
      failure instanceof DeliveryError ? failure.reason : 'the chat service did not take it';
    return { type: 'deliveryFailed', key, reason };
  }

  /** Performs one effect; returns the event that reports its outcome, if any. */
  private async run(state: GenerationState, effect: FlowEffect): Promise<EventInput | undefined> {
    const generationId = state.id;
    const { clock, queue, quota, timers } = this.deps;
    switch (effect.type) {
      case 'post':
        if (effect.key) return this.postOnce(state, effect.key, effect.message);
        await this.adapterFor(state).post(state.channelId, effect.message);
        return undefined;
      case 'edit': {
        const ref = this.messageRef(state, effect.key);
        if (ref) {
          const options = {
            ...(effect.progress ? { progress: true } : {}),
            ...(effect.closed ? { closed: true } : {}),
            ...(effect.time ? { time: effect.time } : {}),
          };
          const given = Object.keys(options).length > 0;
          await this.adapterFor(state).edit(ref, effect.text, given ? options : undefined);
        }
        return undefined;
      }
      case 'react': {
        const ref = this.messageRef(state, effect.key);
        if (ref) await this.adapterFor(state).addReactions(ref, effect.emojis);
        return undefined;
      }
      case 'unreact': {
        const ref = this.messageRef(state, effect.key);
        if (ref) await this.adapterFor(state).removeReaction(ref, effect.emoji, effect.userId);
        return undefined;
      }
      case 'enqueue':
        return ticketToFlow(effect.job.jobId, await queue.enqueue(effect.job));
      case 'setTimer':
        await timers.set(generationId, effect.round, effect.at);
        return undefined;
      case 'cancelTimer':
        await timers.cancel(generationId, effect.round);
        return undefined;
      case 'reserveQuota': {
        const subject = {
          platform: state.platform,
          workspaceId: state.workspaceId,
          userId: state.requester.id,
        };
        const decision = await quota.reserve(effect.key, subject, clock.now());
        if (decision.ok) return { type: 'quotaReserved', key: effect.key };
        const reason = `${state.requester.name}'s ${limitPhrase(decision)} is used up until ${formatTime(decision.resetsAt)}`;
        return { type: 'quotaDenied', key: effect.key, reason };
      }
      case 'retake':
        await this.retake(state, effect);
        return undefined;
      case 'commitQuota':
        for (const key of effect.keys) await quota.commit(key);
        return undefined;
      case 'refundQuota':
        for (const key of effect.keys) await quota.refund(key);
        return undefined;
    }
  }
}

/**
 * What to try, in order: the message as the flow wrote it, then without the GIF preview, then
 * with the video as its only file (cheap fallbacks: the video is what was asked for).
 */
export function lighterVersions(message: OutgoingMessage): OutgoingMessage[] {
  const attachments = message.attachments ?? [];
  const versions = [message];
  const withoutGif = attachments.filter((attachment) => attachment.kind !== 'gif');
  if (withoutGif.length < attachments.length)
    versions.push({ ...message, attachments: withoutGif });
  const videoOnly = attachments.filter((attachment) => attachment.kind === 'video');
  if (videoOnly.length > 0 && videoOnly.length < withoutGif.length) {
    versions.push({ ...message, attachments: videoOnly });
  }
  return versions;
}

/** The same state but for the time of its last event. */
function unchanged(before: GenerationState, after: GenerationState): boolean {
  return JSON.stringify({ ...after, updatedAt: before.updatedAt }) === JSON.stringify(before);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function jobEventToFlow(event: JobEvent): EventInput {
  switch (event.type) {
    case 'progress':
      return { type: 'jobProgress', jobId: event.jobId, step: event.step, total: event.total };
    case 'failed':
      return { type: 'jobFailed', jobId: event.jobId, reason: event.reason };
    case 'completed':
      return event.result.kind === 'candidates'
        ? {
            type: 'candidatesReady',
            jobId: event.jobId,
            images: event.result.images,
            grid: event.result.grid,
            ...(event.result.videos ? { videos: event.result.videos } : {}),
          }
        : {
            type: 'animationReady',
            jobId: event.jobId,
            mp4: event.result.mp4,
            ...(event.result.gif ? { gif: event.result.gif } : {}),
          };
  }
}

function ticketToFlow(jobId: string, ticket: JobTicket): EventInput {
  switch (ticket.state) {
    case 'waiting':
      return { type: 'jobQueued', jobId, position: ticket.position };
    case 'active':
      return { type: 'jobQueued', jobId, position: 0 };
    case 'completed':
      return jobEventToFlow({ type: 'completed', jobId, result: ticket.result });
    case 'failed':
      return { type: 'jobFailed', jobId, reason: ticket.reason };
  }
}
