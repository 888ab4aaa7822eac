import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { providerSchema } from '../../scripts/db-generate.mjs';
import { parseDatabaseUrl } from '../../src/config/index.js';
import { createClient, DatabaseSetupError, migrateDatabase } from '../../src/db/index.js';
import { PRISMA_DIR, providerFiles, readMigrationList } from '../../src/db/migrations.js';
import { createTestDatabase, KINDS, rawQuery } from '../helpers/databases.js';

const TABLES = [
  'AuditEntry',
  'Candidate',
  'ChannelSettings',
  'Generation',
  'JobRecord',
  'QuotaLedgerEntry',
  'Round',
  'SlackInstallation',
  'User',
  'UserQuotaPolicy',
  'Vote',
  'Workspace',
  'WorkspaceQuotaPolicy',
  '_prisma_migrations',
];

async function tableNames(target: Parameters<typeof rawQuery>[0]): Promise<string[]> {
  const sql =
    target.kind === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'";
  return (await rawQuery<{ name: string }>(target, sql)).map((row) => row.name).sort();
}

for (const kind of KINDS) {
  describe(`migrations on ${kind}`, () => {
    test('apply from empty, record in _prisma_migrations, then do nothing', async () => {
      const db = await createTestDatabase(kind);
      try {
        const folder = kind === 'sqlite' ? 'sqlite' : 'postgres';
        const committed = readMigrationList(providerFiles(folder).migrationsDir);
        const names = committed.migrationDirectories.map((m) => m.path);
        assert.ok(names.length > 0);

        const first = await migrateDatabase(db.target);
        assert.deepEqual(first.applied, names);
        assert.deepEqual(await tableNames(db.target), TABLES);

        const recorded = await rawQuery<{ migration_name: string; checksum: string }>(
          db.target,
          'SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
        );
        assert.deepEqual(
          recorded.map((row) => row.migration_name),
          names,
        );
        // Same checksum as the Prisma CLI records (sha256 of migration.sql), so the two agree.
        const sql = committed.migrationDirectories[0]!.migrationFile.content;
        assert.equal(sql.tag, 'ok');
        assert.equal(
          recorded[0]!.checksum,
          createHash('sha256')
            .update(sql.tag === 'ok' ? sql.value : '')
            .digest('hex'),
        );

        assert.deepEqual((await migrateDatabase(db.target)).applied, []);

        // The generated client works on the migrated database.
        const client = createClient(db.target);
        try {
          const workspace = await client.workspace.create({
            data: { platform: 'local', externalId: 'local' },
          });
          assert.equal(
            (await client.workspace.findUniqueOrThrow({ where: { id: workspace.id } })).platform,
            'local',
          );
        } finally {
          await client.$disconnect();
        }
      } finally {
        await db.drop();
      }
    });

    test('a database with a newer, unknown migration is refused without writing', async () => {
      const db = await createTestDatabase(kind);
      try {
        await migrateDatabase(db.target);
        await rawQuery(
          db.target,
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ('future', 'abc', '29990101000000_from_the_future', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)`,
        );
        const before = await tableNames(db.target);
        await assert.rejects(
          migrateDatabase(db.target),
          (error: Error) =>
            error instanceof DatabaseSetupError &&
            /29990101000000_from_the_future/.test(error.message) &&
            /newer version/.test(error.message),
        );
        assert.deepEqual(await tableNames(db.target), before);
        const rows = await rawQuery(db.target, 'SELECT migration_name FROM _prisma_migrations');
        const committed = readMigrationList(
          providerFiles(kind === 'sqlite' ? 'sqlite' : 'postgres').migrationsDir,
        ).migrationDirectories.length;
        assert.equal(rows.length, committed + 1, 'the committed ones and the future one');
      } finally {
        await db.drop();
      }
    });
  });
}

test('an unreachable PostgreSQL server is a clear error', async () => {
  const target = parseDatabaseUrl('postgresql://postgres@127.0.0.1:1/firstframe', '.');
  assert.notEqual(typeof target, 'string');
  await assert.rejects(
    migrateDatabase(target as Exclude<typeof target, string>),
    (error: Error) =>
      error instanceof DatabaseSetupError &&
      /PostgreSQL database .*127\.0\.0\.1:1.*Can't reach database server/s.test(error.message),
  );
});

test('a missing PostgreSQL database is a clear error and is not created', async () => {
  const name = `ff_missing_${Date.now()}`;
  const target = parseDatabaseUrl(`postgresql://postgres@127.0.0.1:5432/${name}`, '.');
  await assert.rejects(
    migrateDatabase(target as Exclude<typeof target, string>),
    (error: Error) =>
      error instanceof DatabaseSetupError &&
      error.message.includes(`Database \`${name}\` does not exist`),
  );
});

test('a SQLite path that cannot be created is a clear error', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-blocked-'));
  const blocker = path.join(dir, 'a-file');
  writeFileSync(blocker, 'not a folder');
  const file = path.join(blocker, 'firstframe.db');
  try {
    await assert.rejects(
      migrateDatabase({ kind: 'sqlite', url: `file:${file}`, file }),
      (error: Error) =>
        error instanceof DatabaseSetupError &&
        error.message.includes(`cannot create the folder of the SQLite database ${file}`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('committed provider schemas are generated from prisma/models.prisma', () => {
  const models = readFileSync(path.join(PRISMA_DIR, 'models.prisma'), 'utf8');
  for (const folder of ['sqlite', 'postgres'] as const) {
    const files = providerFiles(folder);
    assert.equal(
      files.schemaText,
      providerSchema(folder, models),
      `prisma/${folder}/schema.prisma is stale: run npm run db:generate`,
    );
    // The newest migration was made from this schema; otherwise a migration is missing.
    const last = readMigrationList(files.migrationsDir).migrationDirectories.at(-1)!;
    const snapshot = path.join(files.migrationsDir, last.path, 'schema.prisma');
    assert.ok(existsSync(snapshot));
    assert.equal(
      readFileSync(snapshot, 'utf8'),
      files.schemaText,
      `prisma/models.prisma changed without a migration: run npm run db:migration:create <name>`,
    );
  }
});
