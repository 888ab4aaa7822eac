// Workspaces (Discord guild, Slack team, local playground) and their members, created on
// first sight.
import type { Db } from './client.js';
import type { Platform } from './generated/sqlite/enums.js';

export async function ensureWorkspace(
  db: Db,
  ref: { platform: Platform; externalId: string; name?: string },
) {
  return db.workspace.upsert({
    where: { platform_externalId: { platform: ref.platform, externalId: ref.externalId } },
    create: { platform: ref.platform, externalId: ref.externalId, name: ref.name ?? null },
    update: ref.name === undefined ? {} : { name: ref.name },
  });
}

export async function ensureUser(
  db: Db,
  ref: { workspaceId: string; externalId: string; displayName?: string },
) {
  return db.user.upsert({
    where: { workspaceId_externalId: { workspaceId: ref.workspaceId, externalId: ref.externalId } },
    create: {
      workspaceId: ref.workspaceId,
      externalId: ref.externalId,
      displayName: ref.displayName ?? null,
    },
    update: ref.displayName === undefined ? {} : { displayName: ref.displayName },
  });
}
