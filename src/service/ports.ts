// The ports the bot service (src/service) runs the flow against. Each is small on purpose; the
// service knows nothing else about storage, queues or time.
//
//   FlowStore   generations as `GenerationState` JSON-able objects with a version, saved by
//               compare-and-set (several bot processes may handle events of one generation),
//               plus history paging. Prisma: Generation + Round/Candidate/Vote rows from the
//               state, rebuilt in `loadActiveGenerations` (restart recovery) and
//               `loadRecentlyFinished` (late reactions on finished grids).
//   FlowTimers  vote deadlines that fire once in the whole deployment (BullMQ delayed jobs), or
//               in-process on the Clock (tests, the playground).
//   PostLeases  who posts a round's grid or the video right now, across bot processes (Redis).
//   QuotaStore  reserve / commit / refund by key (idempotent), usage, admin changes.
//   AuditLog    one row per admin action (allowed or denied).
//   ChannelSettingsStore  a channel's own defaults (/settings), read by every /video there.
//   JobQueue    enqueue a FlowJob (idempotent by jobId), progress/completion events, overview.
//   Clock       now() and absolute-time timers (deadlines survive restarts because they are
//               stored as absolute times and set again at start-up).
//   ChatAdapter see src/bots/chat-adapter.ts.
import type { ChannelSettings, SettingsChange } from '../core/commands/settings.js';
import type { QuotaChange } from '../core/commands/types.js';
import type { Period, QuotaDecision as Decision } from '../core/quota.js';
import type { FlowJob, GenerationState, Phase, StoryVideo } from '../core/flow/types.js';

/** A saved generation state and its version (bumped by every save). */
export interface VersionedState {
  state: GenerationState;
  version: number;
}

export interface FlowStore {
  /**
   * Compare-and-set, called after every event: saves `state` only if the stored version is
   * still `version` (then it becomes `version + 1`); `version` null inserts a new generation
   * (version 0). False when another save won (the caller reloads and tries again).
   */
  saveGeneration(state: GenerationState, version: number | null): Promise<boolean>;
  /** The saved state and its version, if the generation exists. */
  loadGeneration(id: string): Promise<VersionedState | undefined>;
  /** The generation whose grid is this message, whichever process posted it. */
  generationOfMessage(platform: string, messageId: string): Promise<string | undefined>;
  /** Every generation not yet done or failed, to carry on after a restart. */
  loadActiveGenerations(): Promise<GenerationState[]>;
  /**
   * The `most` generations finished (done or failed) last, the oldest of them first: after a
   * restart, late reactions on their grids are still answered.
   */
  loadRecentlyFinished(most: number): Promise<GenerationState[]>;
  /** The video posted last in this channel (a done generation), which `/video extend` continues. */
  latestVideo(
    platform: string,
    workspaceId: string,
    channelId: string,
  ): Promise<GenerationState | undefined>;
  history(query: HistoryQuery): Promise<HistoryPage>;
}

export interface HistoryQuery {
  platform: string;
  workspaceId: string;
  /** Only this requester's generations; undefined = the whole workspace. */
  userId?: string;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export interface HistoryItem {
  id: string;
  prompt: string;
  seed: number;
  requesterName: string;
  phase: Phase;
  createdAt: number;
  /** The chosen frame's seed, once chosen. */
  chosenSeed?: number;
  videoPath?: string;
}

export interface HistoryPage {
  items: HistoryItem[];
  page: number;
  total: number;
}

/** Who uses or owns quota. */
export interface QuotaSubject {
  platform: string;
  workspaceId: string;
  userId: string;
}

/** The rules' decision (src/core/quota.ts) as the service shows it: which limit is reached, the
 * limit with the user's grants added, and when a video can be made again (ms since epoch). */
export type QuotaDecision =
  | { ok: true }
  | (Pick<Extract<Decision, { ok: false }>, 'ok' | 'scope' | 'period'> & {
      limit: number;
      resetsAt: number;
    });

export interface QuotaWindow {
  used: number;
  /** null = unlimited. */
  limit: number | null;
  resetsAt: number;
}

export interface QuotaStatus {
  user: Record<Period, QuotaWindow>;
  workspace: Record<Period, QuotaWindow>;
  /** Extra videos granted by admins, counted in the current windows. */
  granted: number;
}

export interface QuotaStore {
  /** Reserve one video under `key`. Reserving a key that is already reserved or committed is ok. */
  reserve(key: string, subject: QuotaSubject, now: number): Promise<QuotaDecision>;
  commit(key: string): Promise<void>;
  /** Gives the video back; a key already refunded or unknown is ignored. */
  refund(key: string): Promise<void>;
  status(subject: QuotaSubject, now: number): Promise<QuotaStatus>;
  /** An admin's change; for a user target, `change.target.userId` is the platform user id. */
  change(
    workspace: { platform: string; workspaceId: string },
    change: QuotaChange,
    now: number,
  ): Promise<void>;
}

export interface AuditEntry {
  platform: string;
  workspaceId: string;
  actorId: string;
  actorName: string;
  /** e.g. 'quota.set', 'quota.grant', 'quota.reset', 'queue.view' */
  action: string;
  target: string;
  allowed: boolean;
  details?: unknown;
  at: number;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
}

/** One chat channel: the platform's workspace and channel ids. */
export interface ChannelRef {
  platform: string;
  workspaceId: string;
  channelId: string;
}

export interface ChannelSettingsStore {
  /** The channel's own values (none set: an empty object). */
  get(channel: ChannelRef): Promise<ChannelSettings>;
  /** An admin's change, in one transaction; answers the values before and after it. */
  change(
    channel: ChannelRef,
    change: SettingsChange,
  ): Promise<{ before: ChannelSettings; after: ChannelSettings }>;
}

export type JobResult =
  | {
      kind: 'candidates';
      images: string[];
      grid: string;
      /** A continuation job's (FlowJob `continueFrom`) four whole videos, in candidate order. */
      videos?: StoryVideo[];
    }
  | { kind: 'animation'; mp4: string; gif?: string };

/** Where a job stands when (re-)enqueued. */
export type JobTicket =
  | { state: 'waiting'; position: number }
  | { state: 'active' }
  | { state: 'completed'; result: JobResult }
  | { state: 'failed'; reason: string };

export type JobEvent =
  | { type: 'progress'; jobId: string; step: number; total: number }
  | { type: 'completed'; jobId: string; result: JobResult }
  /** Final failure (after retries), with a reason a user can read. */
  | { type: 'failed'; jobId: string; reason: string };

export interface QueueOverview {
  waiting: number;
  active: number;
  failed: number;
  /** The jobs waiting and running, the next first (`/info` finds a user's among them). */
  jobs: QueuedJob[];
  /** Mean run time of recently finished jobs (ms), for ETAs; undefined when none finished yet. */
  recentJobMs?: number;
}

export interface QueuedJob {
  jobId: string;
  generationId: string;
  state: 'waiting' | 'active';
  /** For a waiting job: 1 = the next to run (in its queue). */
  position?: number;
}

export interface JobQueue {
  /** Idempotent by `job.jobId`: an existing job is not added again, its state is returned. */
  enqueue(job: FlowJob): Promise<JobTicket>;
  /**
   * Whether a job could still read this file (a story's video, by the path the flow keeps): its
   * copy in the artifact store, or the local file.
   */
  canRead(path: string): Promise<boolean>;
  /** Events of every job; returns the unsubscribe function. */
  subscribe(listener: (event: JobEvent) => void): () => void;
  overview(): Promise<QueueOverview>;
}

/**
 * Leases on posting a generation's keyed messages (a round's grid, the video), so that of bot
 * processes carrying on one generation at once (one resuming it while another still posts) one
 * posts. Without them (one process), every post goes ahead.
 */
export interface PostLeases {
  /**
   * The lease on posting `key` of the generation, kept alive until released; or, while another
   * process holds it, how many ms it still runs (it runs out soon after its holder dies).
   */
  take(generationId: string, key: string): Promise<PostLease | number>;
}

export interface PostLease {
  /** Gives the lease back (once the post's outcome is saved). */
  release(): Promise<void>;
}

export interface FlowTimers {
  /**
   * Calls `fire` (given to `start`) for this generation and round at `at`, once: setting the
   * same generation and round again (another process, a restart) adds nothing.
   */
  set(generationId: string, round: number, at: number): Promise<void>;
  /** The round closed before its deadline: its timer need not fire (harmless if it does). */
  cancel(generationId: string, round: number): Promise<void>;
  /** Starts delivering fired timers; `fire` resolves once the timer event is handled. */
  start(fire: (generationId: string, round: number) => Promise<void>): Promise<void>;
  /** Stops delivering (timers already set still fire later, elsewhere or after a restart). */
  stop(): Promise<void>;
}

export interface Clock {
  now(): number;
  /** Calls back at the absolute time `at` (at once if it has passed); returns a cancel function. */
  setTimer(at: number, callback: () => void): () => void;
}
