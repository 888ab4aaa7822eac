#!/usr/bin/env node
// Writes prisma/<provider>/schema.prisma from prisma/models.prisma for both databases and
// generates the two Prisma clients into src/db/generated/<provider> (git-ignored; run by
// `postinstall`, so a fresh `npm install`/`npm ci` has them).
//
// Offline: `prisma generate` does not run the native schema engine but refuses to start
// unless one exists, and would download it. PRISMA_SCHEMA_ENGINE_BINARY pointing at any
// existing file satisfies that check (migrations use the WebAssembly engine instead).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PROVIDERS = { sqlite: 'sqlite', postgres: 'postgresql' };

export function providerSchema(folder, models) {
  return `// GENERATED from prisma/models.prisma by scripts/db-generate.mjs: edit that file instead.

generator client {
  provider     = "prisma-client"
  output       = "../../src/db/generated/${folder}"
  moduleFormat = "esm"
}

datasource db {
  provider = "${PROVIDERS[folder]}"
}

${models}`;
}

export function writeProviderSchemas() {
  const models = readFileSync(path.join(root, 'prisma/models.prisma'), 'utf8');
  const written = [];
  for (const folder of Object.keys(PROVIDERS)) {
    const file = path.join(root, 'prisma', folder, 'schema.prisma');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, providerSchema(folder, models));
    written.push(file);
  }
  return written;
}

function generate(schemaFile) {
  const prismaCli = path.join(root, 'node_modules/prisma/build/index.js');
  const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schemaFile], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  });
  if (result.status !== 0) {
    console.error(`prisma generate failed for ${path.relative(root, schemaFile)}`);
    process.exit(result.status ?? 1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const schemaFile of writeProviderSchemas()) generate(schemaFile);
}
