// The flow's data: one generation's state (plain JSON, saved after every event, reloaded
// after a restart), the events that drive it and the effects it asks the service to perform.
// Everything carries absolute times (ms since epoch) so nothing here reads a clock.
import type { SchedulerName } from '../contract.js';

/** A voter's choice in a round: a candidate (1–4), new frames, or variations of the leader. */
export type Choice = 1 | 2 | 3 | 4 | 'regenerate' | 'vary';

export interface Vote {
  choice: Choice;
  /** Order in which votes were cast within the generation; breaks ties. */
  seq: number;
  at: number;
  /** A 🔀 vote: the frame leading when it was cast (varied when no frame vote is left). */
  of?: number;
  /** The voter's display name, for a story's list of who chose each clip. */
  name?: string;
}

export interface Tally {
  /** Votes for candidates 1–4, in order. */
  candidates: [number, number, number, number];
  regenerate: number;
  vary: number;
  voters: number;
}

export type RoundOutcome =
  | {
      kind: 'winner';
      candidate: number;
      /** Why the round closed: the window ended, the requester confirmed, or a fallback. */
      reason: 'deadline' | 'confirmed' | 'no-votes' | 'no-more-rounds' | 'quota';
      tally: Tally;
    }
  | { kind: 'regenerate'; by: 'majority' | 'requester'; tally: Tally }
  /** 🔀: the next round varies `candidate`, the one leading when it was asked for. */
  | { kind: 'vary'; by: 'majority' | 'requester'; candidate: number; tally: Tally };

/** What a variations round varies: a candidate of an earlier round, re-noised to `strength`. */
export interface VariationSource {
  round: number;
  candidate: number;
  imagePath: string;
  strength: number;
}

export interface RoundState {
  number: number;
  /** Seeds of candidates 1–4. */
  seeds: number[];
  jobId: string;
  candidates?: string[];
  grid?: string;
  /** Absolute end of the voting window; set when the grid is shown. */
  closesAt?: number;
  /** Current vote of each user (platform user id). */
  votes: Record<string, Vote>;
  outcome?: RoundOutcome;
  /** Set on a variations round (🔀): its four candidates vary this one. */
  variationOf?: VariationSource;
  /** A story round's four continuations, each the whole story so far (candidate order). */
  videos?: StoryVideo[];
}

export type Phase =
  | 'queued' // waiting in the job queue
  | 'generating' // candidates being drawn
  | 'voting'
  | 'awaiting-quota' // a paid regenerate waits for its quota reservation
  | 'asking' // a 🔁 re-take collects its askers until its deadline (or the requester's 🔁)
  | 'animating'
  | 'done'
  | 'failed';

export interface VideoSettings {
  prompt: string;
  negativePrompt?: string;
  seed: number;
  /** Undefined: the model's defaults. */
  steps?: number;
  guidance?: number;
  scheduler?: SchedulerName;
  /** Frames per second; undefined: the model's own. Twice it is made by interpolation. */
  fps?: number;
  /** An uploaded first frame: no vote, this image is animated. */
  imagePath?: string;
}

export interface Person {
  id: string;
  name: string;
}

/** What a generation starts from (its quota, key `quotaKeyOf(id)`, already reserved). */
export interface GenerationRequest {
  id: string;
  platform: string;
  workspaceId: string;
  channelId: string;
  requester: Person;
  /** The message the request came in (replies thread under it), when the platform has one. */
  requestMessageId?: string;
  /** The seed is already chosen (the service picks a random one when the user gave none). */
  settings: VideoSettings;
  /** This generation's own vote window and rounds (its channel's settings), kept with its state
   * so a restart keeps them; left out, the FlowConfig's apply (`flowConfigOf`). */
  flow?: GenerationFlow;
  /** Set on a story's next clip (`/video extend`): its rounds vote on continuations of it. */
  story?: StoryState;
}

/** One clip of a story, as its message lists it. */
export interface StoryClip {
  generationId: string;
  caption: string;
  seed: number;
  /** Who voted for the chosen candidate (names); empty when nobody voted or nobody could. */
  voters: string[];
}

/**
 * A story's next clip: it continues the story so far (the video `base`, as the clip before
 * posted it) with its own caption; the channel votes on four continuations and the winner,
 * the whole story as one video, is posted.
 */
export interface StoryState {
  /** The story's first video (clip 1): its generation id names the story. */
  of: string;
  /** Who made the first video (the 'requester' extend rule lets only them extend). */
  owner: Person;
  /** This clip's number: 2, 3, … */
  clip: number;
  base: StoryVideo;
  /** The clips before this one, the first first. */
  clips: StoryClip[];
}

export interface GenerationFlow {
  voteWindowMs?: number;
  maxRounds?: number;
}

export interface GenerationState extends GenerationRequest {
  phase: Phase;
  createdAt: number;
  updatedAt: number;
  rounds: RoundState[];
  /** Quota reservations held by this generation (committed on success, refunded on failure). */
  quotaKeys: string[];
  /** Reservation a paid regenerate is waiting for. */
  pendingQuotaKey?: string;
  animationJobId?: string;
  chosen?: { round: number; candidate: number; seed: number; imagePath: string; tally?: Tally };
  /** Ids of the messages the flow posted, by key ('status', 'round:1', 'result'). */
  messages: Record<string, string>;
  lastProgressEditAt?: number;
  result?: { mp4: string; gif?: string };
  error?: string;
  voteSeq: number;
  /** Set on a 🔁 re-take: a generation of its own that animates another's chosen frame again. */
  retake?: RetakeState;
  /** An admin closed the story this video ends (`/video extend close`): it is not extended. */
  storyClosed?: { by: string; at: number };
}

/** A 🔁 re-take: take n (2, 3, …) of a video, asked for with 🔁 under the take before it. */
export interface RetakeState {
  /** The first video's generation id (take 1): job ids and take ids derive from it. */
  of: string;
  take: number;
  /** The seed of take 1; take n animates with `takeSeed(firstSeed, n)`. */
  firstSeed: number;
  /** The video the 🔁 reactions are on (the take before this one). */
  videoMessageId: string;
  /** Who asked for the first video: their 🔁 starts the re-take at once. */
  firstRequester: Person;
  /** Users whose 🔁 stands, in the order they asked (`seq`). */
  askers: Record<string, { name: string; seq: number }>;
  /** The re-take starts then, if anyone still asks for it. */
  closesAt: number;
}

export interface FlowConfig {
  voteWindowMs: number;
  regenerateCostsQuota: boolean;
  /** Rounds per generation (the first included); 🔄 is refused after that. */
  maxRounds: number;
  /**
   * Progress edits closer together than this are skipped (chat rate limits); a platform may ask
   * for more (ChatAdapter.minProgressEditIntervalMs: Slack's 5 s).
   */
  progressEditIntervalMs: number;
  /** Tries at posting a message the flow waits on (the grid, the video), the first included. */
  deliveryAttempts: number;
  /** Wait before the second try; doubled before each further one. */
  deliveryRetryMs: number;
  /** Clips a story may have, the first video included (`/video extend` is refused after). */
  maxStoryClips: number;
}

export const DEFAULT_FLOW_CONFIG: FlowConfig = {
  voteWindowMs: 60_000,
  regenerateCostsQuota: false,
  maxRounds: 5,
  progressEditIntervalMs: 1_500,
  deliveryAttempts: 3,
  deliveryRetryMs: 2_000,
  maxStoryClips: 8,
};

/** The config one generation runs under: `config` with the generation's own `flow` values. */
export function flowConfigOf(
  state: Pick<GenerationRequest, 'flow'>,
  config: FlowConfig,
): FlowConfig {
  const own = state.flow;
  if (!own) return config;
  return {
    ...config,
    ...(own.voteWindowMs !== undefined ? { voteWindowMs: own.voteWindowMs } : {}),
    ...(own.maxRounds !== undefined ? { maxRounds: own.maxRounds } : {}),
  };
}

/** What every job of a generation shares. Job ids derive from the generation and round. */
export interface JobBase {
  jobId: string;
  generationId: string;
  prompt: string;
  negativePrompt?: string;
  /** Undefined: the model's defaults. */
  steps?: number;
  guidance?: number;
  scheduler?: SchedulerName;
}

/** Work for the job queue. */
export type FlowJob =
  | (JobBase & {
      kind: 'candidates';
      round: number;
      seeds: number[];
      /** Variations of this image (SDEdit) instead of fresh candidates. */
      init?: { imagePath: string; strength: number };
      /**
       * A story's next clip: four continuations of this video (the story so far) from its last
       * `contextFrames` frames (the engine's default when left out), one per seed.
       */
      continueFrom?: { videoPath: string; contextFrames?: number };
    })
  | (JobBase & { kind: 'animation'; imagePath: string; seed: number; fps?: number });

/** A story so far as one video: the MP4 and its GIF. */
export interface StoryVideo {
  mp4: string;
  gif: string;
}

export interface FlowAttachment {
  path: string;
  kind: 'image' | 'video' | 'gif';
}

/**
 * A time a text names in words (`shown`, e.g. "in 60 s"), at `at` (ms since epoch): a platform
 * with its own way of showing times (Discord's <t:…:R>, Slack's <!date^…>) shows it there
 * instead, so it stays right for whoever reads it later (see `withTime`).
 */
export interface TextTime {
  at: number;
  shown: string;
}

export interface FlowMessage {
  text: string;
  attachments?: FlowAttachment[];
  /** Reply to (thread under) this message id. */
  replyTo?: string;
  /** Only this user sees it, where the platform allows (else a normal message). */
  visibleTo?: string;
}

export type FlowEvent =
  /** A keyed post was delivered (for the grid and the video: with every attachment). */
  | { type: 'messagePosted'; now: number; key: string; messageId: string }
  /** A keyed post could not be delivered, after every retry; `reason` is for the requester. */
  | { type: 'deliveryFailed'; now: number; key: string; reason: string }
  | { type: 'jobQueued'; now: number; jobId: string; position: number }
  | { type: 'jobProgress'; now: number; jobId: string; step: number; total: number }
  | {
      type: 'candidatesReady';
      now: number;
      jobId: string;
      images: string[];
      grid: string;
      /** A story round's candidates: each continuation's whole story so far (see FlowJob). */
      videos?: StoryVideo[];
    }
  | { type: 'animationReady'; now: number; jobId: string; mp4: string; gif?: string }
  | { type: 'jobFailed'; now: number; jobId: string; reason: string }
  | {
      type: 'reaction';
      now: number;
      messageId: string;
      user: Person;
      /** A bot (ours or another) reacted: never a vote. */
      fromBot: boolean;
      emoji: string;
      added: boolean;
    }
  | { type: 'timer'; now: number; round: number }
  | { type: 'quotaReserved'; now: number; key: string }
  | { type: 'quotaDenied'; now: number; key: string; reason: string }
  /** `/video vary <n>`: `user` asks for variations of candidate n of round `round` (the open one
   * when they asked). */
  | { type: 'varyAsked'; now: number; user: Person; round: number; candidate: number }
  /** An admin closed the story this finished video ends: it is not extended any more. */
  | { type: 'storyClosed'; now: number; by: Person };

/** A reaction event as the flow reads it, without its time. */
export type RetakeReaction = Omit<Extract<FlowEvent, { type: 'reaction' }>, 'now'>;

export type FlowEffect =
  /**
   * Post a message; with a key, the outcome comes back: `messagePosted` with its id (for later
   * edits) or `deliveryFailed`. The grid ('round:<n>') and the video ('result') wait on it.
   */
  | { type: 'post'; key?: string; message: FlowMessage }
  /**
   * `progress`: a progress report, which the platform may drop (it is rate limited). `closed`:
   * a grid whose round is over, its result in `text`; its reactions no longer count. `time`: a
   * time `text` names, for platforms that show times their own way.
   */
  | { type: 'edit'; key: string; text: string; progress?: true; closed?: true; time?: TextTime }
  | { type: 'react'; key: string; emojis: string[] }
  /** Take back a user's superseded vote reaction, where the platform allows it. */
  | { type: 'unreact'; key: string; emoji: string; userId: string }
  | { type: 'enqueue'; job: FlowJob }
  | { type: 'setTimer'; round: number; at: number }
  /** The round closed before its deadline (or the generation failed during its vote). */
  | { type: 'cancelTimer'; round: number }
  | { type: 'reserveQuota'; key: string }
  /**
   * A 🔁 under a finished video: the runner hands `reaction` to the re-take `take` of the video
   * `firstId` (`takeGenerationId`), starting it first (`startRetake`) when there is none; a
   * failed one is passed over for the next take.
   */
  | { type: 'retake'; firstId: string; take: number; reaction: RetakeReaction }
  | { type: 'commitQuota'; keys: string[] }
  | { type: 'refundQuota'; keys: string[] };

export interface Transition {
  state: GenerationState;
  effects: FlowEffect[];
}
