// Chat-platform ids (platform + workspace id + user id) to database rows, created on first
// sight and remembered, since every flow event and quota call needs them.
import { type Db, Platform } from '../../db/client.js';
import { ensureUser, ensureWorkspace } from '../../db/workspaces.js';

export class PrismaSubjects {
  private readonly workspaces = new Map<string, string>();
  private readonly users = new Map<string, string>();

  constructor(private readonly db: Db) {}

  /** The Workspace row id of a platform's workspace. */
  async workspaceId(platform: string, externalId: string): Promise<string> {
    const cacheKey = `${platform}\u0000${externalId}`;
    const known = this.workspaces.get(cacheKey);
    if (known) return known;
    const row = await ensureWorkspace(this.db, { platform: asPlatform(platform), externalId });
    this.workspaces.set(cacheKey, row.id);
    return row.id;
  }

  /** The User row id of a platform user; the display name is kept up to date when given. */
  async userId(
    platform: string,
    workspace: string,
    externalId: string,
    displayName?: string,
  ): Promise<string> {
    const workspaceId = await this.workspaceId(platform, workspace);
    const cacheKey = `${workspaceId}\u0000${externalId}\u0000${displayName ?? ''}`;
    const known = this.users.get(cacheKey);
    if (known) return known;
    const row = await ensureUser(this.db, {
      workspaceId,
      externalId,
      ...(displayName === undefined ? {} : { displayName }),
    });
    this.users.set(cacheKey, row.id);
    return row.id;
  }

  /** Existing rows only (reads must not create users): undefined when never seen. */
  async findUser(platform: string, workspace: string, externalId: string) {
    const workspaceId = await this.workspaceId(platform, workspace);
    return this.db.user.findUnique({
      where: { workspaceId_externalId: { workspaceId, externalId } },
    });
  }
}

function asPlatform(platform: string): Platform {
  const known = Object.values(Platform) as string[];
  if (!known.includes(platform)) {
    throw new Error(`unknown platform ${JSON.stringify(platform)}; expected ${known.join(', ')}`);
  }
  return platform as Platform;
}
