// `npm run db:migration:create <name>`: after editing prisma/models.prisma, regenerates the
// provider schemas and clients, then writes the next migration for SQLite and for PostgreSQL.
// Works offline and needs no database.
import { spawnSync } from 'node:child_process';
import { createMigration } from '../src/db/create-migration.js';
import { providerFiles } from '../src/db/migrations.js';

const name = process.argv[2];
if (!name) {
  console.error('usage: npm run db:migration:create <name>   (e.g. add_generation_title)');
  process.exit(2);
}
const generated = spawnSync(process.execPath, ['scripts/db-generate.mjs'], { stdio: 'inherit' });
if (generated.status !== 0) process.exit(generated.status ?? 1);

const now = new Date(); // one time stamp for both providers' migrations
try {
  for (const folder of ['sqlite', 'postgres'] as const) {
    const created = await createMigration(folder, name, providerFiles(folder), now);
    console.log(
      created.name
        ? `${folder}: wrote prisma/${folder}/migrations/${created.name}/migration.sql`
        : `${folder}: the schema matches the migrations; nothing to create`,
    );
  }
} catch (error) {
  console.error(`db:migration:create: ${(error as Error).message}`);
  process.exit(1);
}
