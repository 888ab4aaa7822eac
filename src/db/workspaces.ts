// Workspaces (Discord guild, Slack team, local playground) and their members, created on
// first sight. Two first requests may arrive at once (the bot and a worker, or two commands):
// on PostgreSQL both upserts can find no row and both insert, and the second insert fails with
// P2002; it then finds the row the first one made. So a first sight never fails.
import type { Db } from './client.js';
import { isUniqueViolation } from './errors.js';
import type { Platform } from './generated/sqlite/enums.js';

export async function ensureWorkspace(
  db: Db,
  ref: { platform: Platform; externalId: string; name?: string },
) {
  return once(() =>
    db.workspace.upsert({
      where: { platform_externalId: { platform: ref.platform, externalId: ref.externalId } },
      create: { platform: ref.platform, externalId: ref.externalId, name: ref.name ?? null },
      update: ref.name === undefined ? {} : { name: ref.name },
    }),
  );
}

export async function ensureUser(
  db: Db,
  ref: { workspaceId: string; externalId: string; displayName?: string },
) {
  return once(() =>
    db.user.upsert({
      where: {
        workspaceId_externalId: { workspaceId: ref.workspaceId, externalId: ref.externalId },
      },
      create: {
        workspaceId: ref.workspaceId,
        externalId: ref.externalId,
        displayName: ref.displayName ?? null,
      },
      update: ref.displayName === undefined ? {} : { displayName: ref.displayName },
    }),
  );
}

/** `upsert` again when another writer inserted the row in between: now it finds that row. */
async function once<T>(upsert: () => Promise<T>): Promise<T> {
  try {
    return await upsert();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return upsert();
  }
}
