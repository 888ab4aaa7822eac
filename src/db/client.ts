// The Prisma client for the configured database. Each provider has its own generated client
// (the query compiler differs), generated from the same models, so they share one API;
// the rest of the code uses the `Db` type and never knows which database it talks to.
import type { DatabaseTarget } from '../config/index.js';
import { createAdapterFactory } from './adapters.js';
import { PrismaClient as PostgresClient } from './generated/postgres/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';

export type Db = SqliteClient;
export type { Prisma } from './generated/sqlite/client.js';
export * from './generated/sqlite/enums.js';

export function createClient(target: DatabaseTarget): Db {
  const adapter = createAdapterFactory(target);
  if (target.kind === 'sqlite') return new SqliteClient({ adapter });
  return new PostgresClient({ adapter }) as unknown as Db;
}
