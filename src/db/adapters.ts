// The Prisma driver adapter for each kind of database named by DATABASE_URL.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { DatabaseTarget } from '../config/index.js';
import { DatabaseSetupError } from './errors.js';

export type AdapterFactory = PrismaBetterSqlite3 | PrismaPg;

/** Folder under prisma/ with the schema and migrations for this kind of database. */
export function providerFolder(target: DatabaseTarget): 'sqlite' | 'postgres' {
  return target.kind === 'sqlite' ? 'sqlite' : 'postgres';
}

export function createAdapterFactory(target: DatabaseTarget): AdapterFactory {
  if (target.kind === 'sqlite') {
    try {
      mkdirSync(path.dirname(target.file), { recursive: true });
    } catch (error) {
      throw new DatabaseSetupError(
        `cannot create the folder of the SQLite database ${target.file}: ${(error as Error).message}`,
      );
    }
    // A busy timeout lets a second process (e.g. `npm run db:migrate`) wait for a write lock.
    return new PrismaBetterSqlite3({ url: target.url, timeout: 10_000 });
  }
  const url = new URL(target.url);
  url.searchParams.delete('schema'); // pg does not understand it; the adapter takes it below
  return new PrismaPg(
    { connectionString: url.toString(), connectionTimeoutMillis: 5_000 },
    target.schema ? { schema: target.schema } : undefined,
  );
}
