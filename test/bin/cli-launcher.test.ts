// `npx firstframe` runs the CLI from an esbuild bundle in dist/cli/ (no TypeScript compiled at
// start-up): built on the first run, reused while its sources are unchanged, rebuilt when one
// changed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';

const BUNDLE = 'dist/cli/firstframe.mjs';
const INPUTS = `${BUNDLE}.inputs.json`;

function help() {
  const run = spawnSync(process.execPath, ['src/bin/firstframe.mjs', '--help'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /Usage: firstframe generate/);
}

test('the CLI runs from a bundle that is rebuilt only when a source changed', () => {
  help();
  const inputs = JSON.parse(readFileSync(INPUTS, 'utf8')) as Record<string, number>;
  assert.ok('src/bin/firstframe.ts' in inputs && 'src/cli/generate.ts' in inputs);
  const built = statSync(BUNDLE).mtimeMs;

  help();
  assert.equal(statSync(BUNDLE).mtimeMs, built, 'rebuilt with nothing changed');

  // As if src/cli/generate.ts had changed since the build.
  writeFileSync(INPUTS, JSON.stringify({ ...inputs, 'src/cli/generate.ts': 0 }));
  help();
  assert.notEqual(statSync(BUNDLE).mtimeMs, built, 'not rebuilt after a change');
  assert.deepEqual(JSON.parse(readFileSync(INPUTS, 'utf8')), inputs);
});
