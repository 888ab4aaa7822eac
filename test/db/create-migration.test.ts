// `npm run db:migration:create` in miniature: change the models in a copy of prisma/,
// create the next migration for both databases, and apply the result from empty.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { providerSchema } from '../../scripts/db-generate.mjs';
import { createMigration } from '../../src/db/create-migration.js';
import { migrateDatabase, PRISMA_DIR, providerFiles } from '../../src/db/migrations.js';
import { createTestDatabase, KINDS, rawQuery } from '../helpers/databases.js';

const copy = mkdtempSync(path.join(tmpdir(), 'ff-prisma-'));
after(() => rmSync(copy, { recursive: true, force: true }));
cpSync(PRISMA_DIR, copy, { recursive: true });

const models = readFileSync(path.join(copy, 'models.prisma'), 'utf8').replace(
  '  negativePrompt   String?',
  '  negativePrompt   String?\n  title            String?',
);
assert.ok(models.includes('title            String?'));

for (const kind of KINDS) {
  const folder = kind === 'sqlite' ? 'sqlite' : 'postgres';
  test(`a schema change becomes the next ${kind} migration, which applies from empty`, async () => {
    const files = { ...providerFiles(folder, copy), schemaText: providerSchema(folder, models) };
    const now = new Date('2099-01-02T03:04:05Z');
    const created = await createMigration(folder, 'add_title', files, now);
    assert.equal(created.name, '20990102030405_add_title');
    assert.match(created.sql!, /ALTER TABLE "Generation" ADD COLUMN +"title" TEXT/);
    assert.deepEqual(await createMigration(folder, 'again', files, now), {}, 'nothing left to do');
    await assert.rejects(createMigration(folder, 'Bad Name', files), /lower-case letters/);

    const database = await createTestDatabase(kind);
    try {
      const { applied } = await migrateDatabase(database.target, { files });
      assert.equal(applied.at(-1), '20990102030405_add_title');
      const columns = await rawQuery<{ name: string }>(
        database.target,
        kind === 'sqlite'
          ? `SELECT name FROM pragma_table_info('Generation') WHERE name = 'title'`
          : `SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'Generation' AND column_name = 'title'`,
      );
      assert.equal(columns.length, 1);
    } finally {
      await database.drop();
    }
  });
}
