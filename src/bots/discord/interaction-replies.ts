// The interactions the bot answers, and the messages it posted through them (the reply and its
// follow-ups). They are posted and edited through the interaction's webhook while its token
// lives (15 minutes); after that, or when Discord says the webhook is gone, through the channel.
import { DiscordAPIError, type ChatInputCommandInteraction } from 'discord.js';

/** Discord's interaction tokens live 15 minutes; stop using one a minute early. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
const SAFETY_MARGIN_MS = 60_000;

/** 10015 Unknown Webhook, 50027 Invalid Webhook Token: the interaction token has expired. */
const EXPIRED_TOKEN_CODES = new Set<number | string>([10015, 50027]);

export interface InteractionReply {
  interaction: ChatInputCommandInteraction;
  channelId: string;
  userId: string;
  /** How the interaction was acknowledged: not yet (Discord waits 3 s), publicly or privately. */
  acked: false | 'public' | 'private';
  /** The original response's message id, once there is one. */
  originalId?: string;
  /**
   * The original response is a deferred "thinking…" still: the next follow-up would take it
   * over with the defer's visibility (Discord ignores its own flags).
   */
  loading: boolean;
  /** The message the next public answer replaces ('@original' or a follow-up's id). */
  fillNext?: string;
  receivedAt: number;
  usableUntil: number;
  /** Largest file an upload through this interaction may carry (Discord sends it with it). */
  attachmentSizeLimit?: number;
  /** Acknowledging and answering run one at a time (a deadline timer may race the service). */
  turn: Promise<unknown>;
}

export function isExpiredTokenError(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.status === 401 || error.status === 404) &&
    EXPIRED_TOKEN_CODES.has(error.code)
  );
}

/** Runs `step` after the reply's earlier steps (whether they worked or not). */
export function inTurn<T>(reply: InteractionReply, step: () => Promise<T>): Promise<T> {
  const result = reply.turn.then(step, step);
  reply.turn = result.catch(() => {});
  return result;
}

export class InteractionReplies {
  private readonly byMessage = new Map<string, InteractionReply>();
  private readonly all = new Set<InteractionReply>();

  constructor(private readonly now: () => number) {}

  /** A new interaction, known by its own id until it has messages. */
  add(interaction: ChatInputCommandInteraction, receivedAt: number): InteractionReply {
    this.forgetExpired();
    const reply: InteractionReply = {
      interaction,
      channelId: interaction.channelId,
      userId: interaction.user.id,
      acked: false,
      loading: false,
      receivedAt,
      usableUntil: receivedAt + TOKEN_LIFETIME_MS - SAFETY_MARGIN_MS,
      ...(interaction.attachmentSizeLimit
        ? { attachmentSizeLimit: interaction.attachmentSizeLimit }
        : {}),
      turn: Promise.resolve(),
    };
    this.all.add(reply);
    this.byMessage.set(interaction.id, reply);
    return reply;
  }

  /** A message posted through the interaction (edited through its webhook too). */
  addMessage(reply: InteractionReply, messageId: string): void {
    this.byMessage.set(messageId, reply);
  }

  /** The interaction behind a message, whether or not its token still works. */
  of(messageId: string | undefined): InteractionReply | undefined {
    return messageId === undefined ? undefined : this.byMessage.get(messageId);
  }

  /** The interaction behind a message, if its token may still be used. */
  usable(messageId: string | undefined): InteractionReply | undefined {
    const reply = this.of(messageId);
    return reply && this.isUsable(reply) ? reply : undefined;
  }

  /**
   * The user's latest interaction in the channel, answered and with a live token: a private
   * follow-up on it reaches them alone (used for notes that belong to no message of theirs).
   */
  latestAnswered(channelId: string, userId: string): InteractionReply | undefined {
    return this.latest(
      channelId,
      userId,
      (reply) => this.isUsable(reply) && reply.acked !== false && !reply.loading,
    );
  }

  /** The user's latest interaction in the channel answered publicly, token or not. */
  latestPublic(channelId: string, userId: string): InteractionReply | undefined {
    return this.latest(channelId, userId, (reply) => reply.acked === 'public');
  }

  /** Discord said the token is gone: use the channel from now on. */
  expire(reply: InteractionReply): void {
    reply.usableUntil = 0;
  }

  private isUsable(reply: InteractionReply): boolean {
    return this.now() < reply.usableUntil;
  }

  private latest(
    channelId: string,
    userId: string,
    fits: (reply: InteractionReply) => boolean,
  ): InteractionReply | undefined {
    let found: InteractionReply | undefined;
    for (const reply of this.all) {
      if (reply.channelId === channelId && reply.userId === userId && fits(reply)) found = reply;
    }
    return found;
  }

  /** Keeps memory bounded; a reply stays useful a while after its token (where to reply). */
  private forgetExpired(): void {
    const cutoff = this.now() - TOKEN_LIFETIME_MS * 4;
    for (const reply of this.all) {
      if (reply.receivedAt < cutoff) this.all.delete(reply);
    }
    for (const [id, reply] of this.byMessage) {
      if (!this.all.has(reply)) this.byMessage.delete(id);
    }
  }
}
