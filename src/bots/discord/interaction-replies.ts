// The messages the bot posted through an interaction (the deferred reply and its follow-ups).
// They are posted and edited through the interaction's webhook while its token lives
// (15 minutes); after that, or when Discord says the webhook is gone, through the channel.
import { DiscordAPIError, type ChatInputCommandInteraction } from 'discord.js';

/** Discord's interaction tokens live 15 minutes; stop using one a minute early. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
const SAFETY_MARGIN_MS = 60_000;

/** 10015 Unknown Webhook, 50027 Invalid Webhook Token: the interaction token has expired. */
const EXPIRED_TOKEN_CODES = new Set<number | string>([10015, 50027]);

export interface InteractionReply {
  interaction: ChatInputCommandInteraction;
  /** The deferred reply's message id. */
  originalId: string;
  /** Whether the deferred reply ("thinking…") has been replaced by the first answer. */
  answered: boolean;
  usableUntil: number;
  /** Largest file this interaction's channel accepts (Discord sends it with the interaction). */
  attachmentSizeLimit?: number;
}

export function isExpiredTokenError(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.status === 401 || error.status === 404) &&
    EXPIRED_TOKEN_CODES.has(error.code)
  );
}

export class InteractionReplies {
  private readonly byMessage = new Map<string, InteractionReply>();

  constructor(private readonly now: () => number) {}

  add(interaction: ChatInputCommandInteraction, originalId: string, receivedAt: number): void {
    this.forgetExpired();
    this.byMessage.set(originalId, {
      interaction,
      originalId,
      answered: false,
      usableUntil: receivedAt + TOKEN_LIFETIME_MS - SAFETY_MARGIN_MS,
      ...(interaction.attachmentSizeLimit
        ? { attachmentSizeLimit: interaction.attachmentSizeLimit }
        : {}),
    });
  }

  /** A follow-up belongs to the same interaction (edited through its webhook too). */
  addFollowUp(reply: InteractionReply, messageId: string): void {
    this.byMessage.set(messageId, reply);
  }

  /** The interaction behind a message, whether or not its token still works. */
  of(messageId: string | undefined): InteractionReply | undefined {
    return messageId === undefined ? undefined : this.byMessage.get(messageId);
  }

  /** The interaction behind a message, if its token may still be used. */
  usable(messageId: string | undefined): InteractionReply | undefined {
    const reply = this.of(messageId);
    return reply && this.now() < reply.usableUntil ? reply : undefined;
  }

  /** Discord said the token is gone: use the channel from now on. */
  expire(reply: InteractionReply): void {
    reply.usableUntil = 0;
  }

  /** Keeps memory bounded; the limit a reply carried stays useful a while after its token. */
  private forgetExpired(): void {
    const cutoff = this.now() - TOKEN_LIFETIME_MS * 4;
    for (const [id, reply] of this.byMessage) {
      if (reply.usableUntil < cutoff) this.byMessage.delete(id);
    }
  }
}
