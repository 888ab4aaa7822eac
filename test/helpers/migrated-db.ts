// A fresh, migrated database of each kind, with the client connected, for one test; and
// migrated SQLite files for the chat harnesses, copied from one migrated once per process.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
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

let template: Promise<string> | undefined;

/** Puts an empty migrated SQLite database at `file`, unless there is one already. */
export async function migratedSqliteFile(file: string): Promise<void> {
  if (existsSync(file)) return;
  template ??= createTestDatabase('sqlite').then(async ({ target, drop }) => {
    process.once('exit', () => void drop());
    await migrateDatabase(target);
    return (target as { file: string }).file;
  });
  mkdirSync(path.dirname(file), { recursive: true });
  copyFileSync(await template, file);
}
