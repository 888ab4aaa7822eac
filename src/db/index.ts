// Opening the database: apply the committed migrations (refusing, before writing anything,
// a database that cannot be reached or is newer than this code), then connect the client.
import type { DatabaseTarget } from '../config/index.js';
import type { Logger } from '../log.js';
import { createClient, type Db } from './client.js';
import { describe, migrateDatabase } from './migrations.js';

export { createClient, type Db } from './client.js';
export { DatabaseSetupError, isUniqueViolation } from './errors.js';
export { migrateDatabase } from './migrations.js';
export { ensureUser, ensureWorkspace } from './workspaces.js';

export async function openDatabase(target: DatabaseTarget, log: Logger): Promise<Db> {
  const { applied } = await migrateDatabase(target, {
    onWarning: (message) => log.warn(message),
  });
  if (applied.length > 0) log.info({ applied }, `migrated ${describe(target)}`);
  const db = createClient(target);
  await db.$connect();
  // Write-ahead logging lets the bot and worker processes read while the other writes.
  if (target.kind === 'sqlite') await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  return db;
}
