// A slash command comes with a `response_url` that can post ephemeral answers in any channel,
// even one the bot was not invited to (chat.postEphemeral cannot). Slack allows 5 uses within
// 30 minutes; we keep the latest one per channel and user and use it while it is good.
import type { RespondFn } from '@slack/bolt';

const MAX_USES = 5;
const LIFETIME_MS = 29 * 60_000;

interface Responder {
  respond: RespondFn;
  uses: number;
  expiresAt: number;
}

export class CommandResponders {
  private readonly byChannelUser = new Map<string, Responder>();

  constructor(private readonly maxEntries = 10_000) {}

  remember(channelId: string, userId: string, respond: RespondFn, now = Date.now()): void {
    if (this.byChannelUser.size >= this.maxEntries) this.forgetExpired(now);
    this.byChannelUser.set(`${channelId}:${userId}`, {
      respond,
      uses: 0,
      expiresAt: now + LIFETIME_MS,
    });
  }

  /** Takes one use of the user's response URL in that channel, if one is left. */
  take(channelId: string, userId: string, now = Date.now()): RespondFn | undefined {
    const key = `${channelId}:${userId}`;
    const responder = this.byChannelUser.get(key);
    if (!responder || responder.expiresAt <= now || responder.uses >= MAX_USES) {
      this.byChannelUser.delete(key);
      return undefined;
    }
    responder.uses += 1;
    return responder.respond;
  }

  private forgetExpired(now: number): void {
    for (const [key, responder] of this.byChannelUser) {
      if (responder.expiresAt <= now || responder.uses >= MAX_USES) this.byChannelUser.delete(key);
    }
    if (this.byChannelUser.size >= this.maxEntries) this.byChannelUser.clear();
  }
}
