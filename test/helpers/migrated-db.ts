// A fresh, migrated database of each kind, with the client connected, for one test.
import { createClient, type Db, migrateDatabase } from '../../src/db/index.js';
import { ensureUser, ensureWorkspace } from '../../src/db/workspaces.js';
import { createTestDatabase, type Kind } from './databases.js';

export async function withMigratedDb(kind: Kind, body: (db: Db) => Promise<void>): Promise<void> {
  const database = await createTestDatabase(kind);
  try {
    await migrateDatabase(database.target);
    const db = createClient(database.target);
    try {
      await body(db);
    } finally {
      await db.$disconnect();
    }
  } finally {
    await database.drop();
  }
}

/** A workspace with the named members. */
export async function seedWorkspace(db: Db, ...names: string[]) {
  const workspace = await ensureWorkspace(db, { platform: 'discord', externalId: 'guild-1' });
  const users = [];
  for (const name of names) {
    users.push(await ensureUser(db, { workspaceId: workspace.id, externalId: name }));
  }
  return { workspace, users };
}
