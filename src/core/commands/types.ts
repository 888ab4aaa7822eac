// The commands the bot understands, after parsing and validation.
import type { Limit, Period } from '../quota.js';
import type { SchedulerName } from '../contract.js';
import type { SettingsChange } from './settings.js';

/** A file the user attached to a command, already saved locally by the chat adapter. */
export interface IncomingAttachment {
  name: string;
  /** As declared by the platform; checked against the file's first bytes when given. */
  contentType: string;
  sizeBytes: number;
  path: string;
  /**
   * The file's bytes, all of them where the adapter has them (then its type, pixel size and
   * completeness are checked before anything is queued), or at least its first 12 (its type is
   * checked, whatever the name says; the engine checks the pixel size before decoding).
   */
  head?: Uint8Array;
}

export interface VideoRequest {
  prompt: string;
  negativePrompt?: string;
  /** Undefined: the service picks a random seed (and shows it, so the video can be remade). */
  seed?: number;
  /** Undefined: the model's defaults (its own per stage, docs/model-format.md). */
  steps?: number;
  guidance?: number;
  scheduler?: SchedulerName;
  /** Frames per second of the video; undefined: the model's own (contract `fpsProblem`). */
  fps?: number;
  /** An uploaded first frame: the vote is skipped and this image is animated. */
  image?: IncomingAttachment;
}

/** Who a quota command is about: one user (platform user id) or the whole workspace. */
export type QuotaTarget = { kind: 'user'; userId: string } | { kind: 'workspace' };

export type QuotaChange =
  /** `limit: null` = unlimited. */
  | { action: 'set'; target: QuotaTarget; period: Period; limit: Limit }
  /** Extra videos on top of the limits (counted in the current day and month). */
  | { action: 'grant'; target: Extract<QuotaTarget, { kind: 'user' }>; amount: number }
  /** Forget usage so far (the counters restart now). */
  | { action: 'reset'; target: QuotaTarget };

export type Command =
  | { kind: 'video'; request: VideoRequest }
  /** `/video extend <caption>`: the newest video here goes on as a story (no image, no fps). */
  | { kind: 'extend'; request: Omit<VideoRequest, 'image' | 'fps'> }
  /** `/video vary <n>` (the requester, during their vote): the next round varies frame n. */
  | { kind: 'vary'; candidate: number }
  /** `/video extend close` (admins): the story of the newest video here is not extended. */
  | { kind: 'story-close' }
  | { kind: 'history'; scope: 'mine' | 'server'; page: number }
  | { kind: 'quota-show' }
  | { kind: 'quota-admin'; change: QuotaChange }
  | { kind: 'queue' }
  /** `/settings show`: the channel's values and which are defaults. */
  | { kind: 'settings-show' }
  /** `/settings set|reset` (admins). */
  | { kind: 'settings-change'; change: SettingsChange }
  /** Your jobs in the queue (position, ETA), your quota left, the open rounds here. */
  | { kind: 'info' }
  /** `topic: 'words'`: the words the model knows (`/help words`); none: the commands. */
  | { kind: 'help'; topic?: 'words' };

export type ParseResult = { ok: true; command: Command } | { ok: false; error: string };
