#!/usr/bin/env node
// `npx firstframe ...`: runs the TypeScript CLI (firstframe.ts) from a bundle that esbuild (which
// tsx brings) writes to dist/cli/ on the first run, and again whenever one of the files it was
// built from changed: about 0.1 s once, then no TypeScript is compiled at start-up. Where the
// bundle cannot be built or written (a read-only install), it runs through tsx as before.
// The bundle sits two folders below the package root, as the sources do, so code that finds
// the root from import.meta.url (src/wiring/model.ts) finds the same folder.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundle = path.join(root, 'dist', 'cli', 'firstframe.mjs');
const inputsFile = `${bundle}.inputs.json`;

/** Whether every file the bundle was built from is unchanged (same modification time). */
function fresh() {
  try {
    const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
    statSync(bundle);
    return Object.entries(inputs).every(
      ([file, mtimeMs]) => statSync(path.join(root, file)).mtimeMs === mtimeMs,
    );
  } catch {
    return false;
  }
}

async function build() {
  const { build: esbuild } = await import('esbuild');
  const started = Date.now();
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: ['src/bin/firstframe.ts'],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs).map((file) => [
      file,
      statSync(path.join(root, file)).mtimeMs,
    ]),
  );
  const partial = `.${process.pid}.partial`;
  mkdirSync(path.dirname(bundle), { recursive: true });
  writeFileSync(bundle + partial, result.outputFiles[0].contents);
  renameSync(bundle + partial, bundle);
  // A file changed while esbuild read it: leave the bundle marked stale for the next run.
  if (Object.values(inputs).some((mtimeMs) => mtimeMs >= started)) return;
  writeFileSync(inputsFile + partial, JSON.stringify(inputs));
  renameSync(inputsFile + partial, inputsFile);
}

let ready = fresh();
if (!ready)
  ready = await build().then(
    () => true,
    () => false,
  );
if (ready) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./firstframe.ts');
}
