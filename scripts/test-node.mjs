#!/usr/bin/env node
// Runs the TypeScript tests with Node's built-in test runner through tsx.
// Node 20's `--test` does not expand globs, so we list the files ourselves.
// Usage: node scripts/test-node.mjs [file-or-folder ...]   (default: test/)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SKIP_DIRS = new Set(['fixtures', 'node_modules']);

function findTests(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const full = join(path, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const roots = process.argv.slice(2);
const files = (roots.length > 0 ? roots : ['test']).flatMap(findTests).sort();
if (files.length === 0) {
  console.error('No *.test.ts files found under', roots.join(', ') || 'test/');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
