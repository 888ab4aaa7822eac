// The audit log as the bot wrote it (oldest first), with the actors' platform ids and names.
import type { Db } from '../../src/db/index.js';

export async function auditEntries(db: Db) {
  const rows = await db.auditEntry.findMany({
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    include: { actor: { select: { externalId: true, displayName: true } } },
  });
  return rows.map((row) => ({
    actorId: row.actor.externalId,
    actorName: row.actor.displayName,
    action: row.action,
    target: row.target,
    allowed: (row.details as { allowed?: boolean } | null)?.allowed,
  }));
}
