// Real databases for tests: each call makes a fresh, empty SQLite file or PostgreSQL
// database of its own, and `drop()` removes it. PostgreSQL is reached through
// TEST_POSTGRES_URL (default: the local server, trust auth, user postgres).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/config/index.js';

export const KINDS = ['sqlite', 'postgresql'] as const;
export type Kind = (typeof KINDS)[number];

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  target: DatabaseTarget;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: Kind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'ff-db-'));
    const file = path.join(dir, 'test.db');
    return {
      target: { kind: 'sqlite', url: `file:${file}`, file },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `ff_test_${randomUUID().replace(/-/g, '')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    target: { kind: 'postgresql', url: url.toString(), schema: undefined },
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs plain SQL on a test database (to inspect it or to tamper with it). */
export async function rawQuery<T = Record<string, unknown>>(
  target: DatabaseTarget,
  sql: string,
): Promise<T[]> {
  if (target.kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(target.file);
    try {
      const statement = db.prepare(sql);
      return statement.reader ? (statement.all() as T[]) : (statement.run(), []);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}
