// The one interface every chat platform implements (web playground, Discord, Slack).
// The core never imports a platform library; an adapter turns platform events into
// `IncomingCommand` / `IncomingReaction` and performs the few actions the flow needs.
//
// Conventions every adapter follows:
// - Ids are the platform's own strings (Discord snowflakes, Slack ids, web names).
// - Emoji are Unicode characters (1️⃣ 2️⃣ 3️⃣ 4️⃣ 🔄 ✅); Slack's names are mapped in the adapter.
// - `OutgoingMessage.attachments` are local files: posting them is the file upload
//   (Discord: message with files; Slack: files.uploadV2 with the text as initial comment).
// - `replyTo` threads the message under that message id (Slack thread_ts, Discord reply or
//   interaction follow-up); `visibleTo` makes it ephemeral where the platform can.
// - Reactions of the bot itself must be reported too (with `user.isBot`); the flow ignores them.
import type { IncomingAttachment } from '../core/commands/types.js';
import type { FlowMessage, TextTime } from '../core/flow/types.js';

export interface ChatUser {
  id: string;
  /** Shown in messages ("… for alice"). */
  name: string;
  /** Any bot, including this one: never a voter. */
  isBot?: boolean;
}

export interface MessageRef {
  channelId: string;
  messageId: string;
}

export type OutgoingMessage = FlowMessage;

export interface IncomingCommand {
  workspaceId: string;
  channelId: string;
  user: ChatUser;
  /** The whole command line, e.g. `/video a red circle --seed 3`. */
  text: string;
  /** The request's own message id, when the platform has one: replies thread under it. */
  messageId?: string;
  /**
   * Posts the request where everyone sees it (Slack: slash commands leave no message), once the
   * service accepted a `/video`; resolves to that message's id, the thread the vote goes under,
   * or undefined when the platform refused (the adapter has told the user why).
   */
  announce?: () => Promise<string | undefined>;
  /** Files attached to the command, already saved locally by the adapter. */
  attachments?: IncomingAttachment[];
  /**
   * Options the platform parsed itself (Discord slash commands: `prompt`, `seed`, `steps`, …, as
   * strings). For `/video`, `text` is then just "/video" and these are validated instead.
   */
  options?: Record<string, string>;
}

export interface IncomingReaction {
  workspaceId: string;
  channelId: string;
  messageId: string;
  user: ChatUser;
  emoji: string;
  /** false: the reaction was taken back. */
  added: boolean;
}

export interface ChatHandlers {
  command(command: IncomingCommand): Promise<void>;
  reaction(reaction: IncomingReaction): Promise<void>;
  /** The words the model knows (for a platform's prompt autocomplete); none: it takes any. */
  vocabulary?: ReadonlySet<string>;
}

/**
 * A message (with its files) the platform would not take. `reason` is for the people in the
 * channel: what is wrong and, where they can, what to do ("I can't attach files in this
 * channel: give me Attach Files"), never a platform code or a path. Each adapter maps its
 * platform's errors to it in `post`; the flow fails the generation and refunds with it.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  /**
   * No retry can fix it (a missing permission, a channel gone or archived): the flow fails at
   * once, with the refund, instead of trying again. False (the default) for refusals that a
   * later or lighter try may get through (too large, rate limited).
   */
  readonly permanent: boolean;
  constructor(
    readonly reason: string,
    options?: { cause?: unknown; permanent?: boolean },
  ) {
    super(`message not delivered: ${reason}`, options);
    this.permanent = options?.permanent === true;
  }
}

export interface ChatAdapter {
  /** Stored with each generation ('local', 'discord', 'slack'); picks the adapter after a restart. */
  readonly platform: string;
  /** Starts receiving; commands and reactions go to the handlers. */
  start(handlers: ChatHandlers): Promise<void>;
  stop(): Promise<void>;
  /**
   * Posts with every attachment, or throws; a `DeliveryError` when the platform refused it for a
   * reason the channel can be told about.
   */
  post(channelId: string, message: OutgoingMessage): Promise<MessageRef>;
  /**
   * Changes a message's text (attachments stay as posted). `progress`: a progress report (the
   * flow's milestones are not), which the adapter may drop rather than wait for a rate limit.
   * `closed`: a grid whose vote is over; its reactions no longer count (a page may grey them).
   * `time`: a time the text names in words, which a platform may show its own way (`withTime`).
   */
  edit(
    ref: MessageRef,
    text: string,
    options?: { progress?: boolean; closed?: boolean; time?: TextTime },
  ): Promise<void>;
  /** The platform's floor under the flow's `progressEditIntervalMs` (its edit rate limit). */
  readonly minProgressEditIntervalMs?: number;
  /** Adds the bot's own reactions, in order. */
  addReactions(ref: MessageRef, emojis: string[]): Promise<void>;
  /** Removes a user's reaction (a superseded vote); a no-op where the platform forbids it. */
  removeReaction(ref: MessageRef, emoji: string, userId: string): Promise<void>;
  /** The platform's own admin permission (Discord Manage Guild, Slack workspace admin, …). */
  isAdmin(workspaceId: string, userId: string): Promise<boolean>;
}
