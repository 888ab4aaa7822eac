/** A database problem the operator must fix; its message is meant to be printed as is. */
export class DatabaseSetupError extends Error {
  override name = 'DatabaseSetupError';
}

/** Prisma's P2002: an insert met a row with the same unique key (another writer was first). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'P2002';
}
