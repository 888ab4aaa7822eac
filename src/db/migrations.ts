// Applies and creates migrations with the WebAssembly schema engine. Migrations live in
// prisma/<sqlite|postgres>/migrations/<timestamp>_<name>/migration.sql and are recorded in
// Prisma's standard `_prisma_migrations` table, so the normal Prisma CLI agrees with us.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DatabaseTarget, redactUrl } from '../config/index.js';
import { type AdapterFactory, createAdapterFactory, providerFolder } from './adapters.js';
import { DatabaseSetupError } from './errors.js';
import { openSchemaEngine, type SchemaEngine } from './schema-engine.js';

export const PRISMA_DIR = fileURLToPath(new URL('../../prisma/', import.meta.url));
const NO_FILTER = { externalTables: [], externalEnums: [] };

export interface ProviderFiles {
  schemaFile: string;
  schemaText: string;
  migrationsDir: string;
}

export function providerFiles(folder: 'sqlite' | 'postgres', prismaDir = PRISMA_DIR) {
  const schemaFile = path.join(prismaDir, folder, 'schema.prisma');
  return {
    schemaFile,
    schemaText: readFileSync(schemaFile, 'utf8'),
    migrationsDir: path.join(prismaDir, folder, 'migrations'),
  } satisfies ProviderFiles;
}

/** The migrations folder as the engine wants it, read from disk in name order. */
export function readMigrationList(migrationsDir: string) {
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const names = existsSync(migrationsDir)
    ? readdirSync(migrationsDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: {
          tag: 'ok' as const,
          value: readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8'),
        },
      },
    })),
  };
}

export interface MigrateResult {
  applied: string[];
}

/**
 * Brings the database up to the committed migrations. Refuses, before writing anything,
 * when the database cannot be reached or holds migrations this code does not know.
 */
export async function migrateDatabase(
  target: DatabaseTarget,
  options: { files?: ProviderFiles; onWarning?: (message: string) => void } = {},
): Promise<MigrateResult> {
  const files = options.files ?? providerFiles(providerFolder(target));
  const migrationsList = readMigrationList(files.migrationsDir);
  // Concurrent start-ups are safe: applyMigrations takes Prisma's advisory lock on PostgreSQL
  // (the same one the Prisma CLI takes), and SQLite locks the file.
  return withEngine(target, files, createAdapterFactory(target), async (engine) => {
    const diagnosis = await diagnose(engine, migrationsList);
    if (diagnosis.failedMigrationNames.length > 0) {
      throw new DatabaseSetupError(
        `${describe(target)} has failed migrations (${diagnosis.failedMigrationNames.join(', ')}); ` +
          'fix the database by hand, then mark them rolled back (prisma migrate resolve).',
      );
    }
    const history = diagnosis.history;
    if (
      history?.diagnostic === 'migrationsDirectoryIsBehind' ||
      history?.diagnostic === 'historiesDiverge'
    ) {
      const unknown = history.unpersistedMigrationNames.join(', ');
      throw new DatabaseSetupError(
        `${describe(target)} has migrations this version of firstframe does not know (${unknown}): ` +
          'it was set up by a newer version. Upgrade firstframe, or point DATABASE_URL at another database.',
      );
    }
    for (const name of diagnosis.editedMigrationNames) {
      options.onWarning?.(
        `migration ${name} was changed after it was applied to ${describe(target)}`,
      );
    }
    if (history === null && diagnosis.hasMigrationsTable) return { applied: [] };
    const output = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
    return { applied: output.appliedMigrationNames };
  });
}

type MigrationList = ReturnType<typeof readMigrationList>;

async function diagnose(engine: SchemaEngine, migrationsList: MigrationList) {
  try {
    return await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTER,
    });
  } catch (error) {
    // On SQLite the engine fails, instead of reporting it, when the table does not exist yet.
    if (!/_prisma_migrations` does not exist/.test(engineMessage(error))) throw error;
    return {
      failedMigrationNames: [],
      editedMigrationNames: [],
      hasMigrationsTable: false,
      history: null,
    };
  }
}

/** Runs `body` with a schema engine on `target`, turning engine failures into clear errors. */
export async function withEngine<T>(
  target: DatabaseTarget,
  files: ProviderFiles,
  adapterFactory: AdapterFactory,
  body: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  // The engine does not close the connections it opens (on SQLite it even holds an exclusive
  // lock), so we track them and close them ourselves.
  const opened: { dispose(): Promise<void> }[] = [];
  const track = async <A extends { dispose(): Promise<void> }>(adapter: Promise<A>) => {
    opened.push(await adapter);
    return adapter;
  };
  const tracked = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: () => track(adapterFactory.connect()),
    connectToShadowDb: () => track(adapterFactory.connectToShadowDb()),
  } as AdapterFactory;

  let engine: SchemaEngine | undefined;
  try {
    engine = await openSchemaEngine(files.schemaFile, files.schemaText, tracked);
    return await body(engine);
  } catch (error) {
    if (error instanceof DatabaseSetupError) throw error;
    throw new DatabaseSetupError(`cannot migrate ${describe(target)}: ${engineMessage(error)}`);
  } finally {
    engine?.free();
    await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
  }
}

export function describe(target: DatabaseTarget): string {
  return target.kind === 'sqlite'
    ? `the SQLite database ${target.file}`
    : `the PostgreSQL database ${redactUrl(target.url)}`;
}

/** The engine reports errors as objects or JSON text; keep the human-readable part. */
export function engineMessage(error: unknown): string {
  const raw =
    error instanceof Error
      ? error.message
      : typeof error === 'string'
        ? error
        : JSON.stringify(error);
  try {
    const parsed = JSON.parse(raw) as { message?: string; error?: string };
    return parsed.message ?? parsed.error ?? raw;
  } catch {
    return raw;
  }
}
