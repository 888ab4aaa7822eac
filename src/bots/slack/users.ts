// Who a Slack user is (display name, bot or not, workspace admin or owner), from `users.info`
// (scope users:read). Answers are cached for a while: every reaction needs a name, and
// users.info is rate-limited (Tier 4).
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';

export interface SlackUser {
  id: string;
  name: string;
  isBot: boolean;
  /** Workspace admin, owner or primary owner. */
  isAdmin: boolean;
}

interface CachedUser {
  user: SlackUser;
  expiresAt: number;
}

export class SlackUserDirectory {
  private readonly cache = new Map<string, CachedUser>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
    private readonly ttlMs = 5 * 60_000,
    private readonly maxEntries = 5_000,
  ) {}

  /** The user as Slack describes them; throws when Slack cannot say (the caller decides). */
  async lookup(userId: string): Promise<SlackUser> {
    const cached = this.cache.get(userId);
    if (cached && cached.expiresAt > Date.now()) return cached.user;
    const response = await this.client.users.info({ user: userId });
    const info = response.user;
    if (!info) throw new Error(`users.info returned no user for ${userId}`);
    const user: SlackUser = {
      id: userId,
      name: info.profile?.display_name || info.real_name || info.name || userId,
      isBot: info.is_bot === true || userId === 'USLACKBOT',
      isAdmin: info.is_admin === true || info.is_owner === true || info.is_primary_owner === true,
    };
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(userId, { user, expiresAt: Date.now() + this.ttlMs });
    return user;
  }

  /** Like `lookup`, but a failure gives the id as the name (a vote must not be lost over a name). */
  async describe(userId: string): Promise<SlackUser> {
    try {
      return await this.lookup(userId);
    } catch (error) {
      this.log.warn({ err: error, userId }, 'users.info failed; using the user id as the name');
      return { id: userId, name: userId, isBot: false, isAdmin: false };
    }
  }
}
