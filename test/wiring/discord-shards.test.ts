// DISCORD_SHARDS and DISCORD_SHARD_IDS as the Discord processes read them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { shardPlanOf } from '../../src/wiring/discord-shards.js';

const base = mkdtempSync(path.join(tmpdir(), 'ff-shards-'));
after(() => rmSync(base, { recursive: true, force: true }));

const settings = (env: Record<string, string>) =>
  loadConfig({ env, envFile: null, baseDir: base }).env;
const plan = (env: Record<string, string>, oneProcess: boolean, processEnv = {}) =>
  shardPlanOf(settings(env), { oneProcess, processEnv });

test('no DISCORD_SHARDS: one client, unsharded, in every kind of process', () => {
  assert.deepEqual(plan({}, true), { kind: 'client' });
  assert.deepEqual(plan({}, false), { kind: 'client' });
});

test('npm run discord with DISCORD_SHARDS starts a process per shard; npm start runs them all', () => {
  assert.deepEqual(plan({ DISCORD_SHARDS: 'auto' }, false), { kind: 'manager', count: 'auto' });
  assert.deepEqual(plan({ DISCORD_SHARDS: '3' }, false), { kind: 'manager', count: 3 });
  assert.deepEqual(plan({ DISCORD_SHARDS: 'auto' }, true), { kind: 'client', shards: 'auto' });
  assert.deepEqual(plan({ DISCORD_SHARDS: '3' }, true), {
    kind: 'client',
    shards: { ids: [0, 1, 2], count: 3 },
  });
});

test('a process the sharding manager started runs the shard it was given', () => {
  const child = { SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '2' };
  assert.deepEqual(plan({ DISCORD_SHARDS: 'auto' }, false, child), {
    kind: 'client',
    shards: { ids: [1], count: 2 },
  });
});

test('DISCORD_SHARD_IDS picks this process’s shards, and says what is wrong with bad ones', () => {
  assert.deepEqual(plan({ DISCORD_SHARDS: '4', DISCORD_SHARD_IDS: '2, 3' }, false), {
    kind: 'client',
    shards: { ids: [2, 3], count: 4 },
  });
  assert.throws(
    () => plan({ DISCORD_SHARDS: '4', DISCORD_SHARD_IDS: '1,4' }, false),
    /DISCORD_SHARD_IDS has 4: shard ids are whole numbers from 0 to 3 \(DISCORD_SHARDS=4\)/,
  );
  assert.throws(
    () => plan({ DISCORD_SHARDS: 'auto', DISCORD_SHARD_IDS: '0' }, true),
    /DISCORD_SHARD_IDS needs DISCORD_SHARDS set to the number of shards/,
  );
  assert.throws(() => settings({ DISCORD_SHARDS: '0' }), ConfigError);
  assert.throws(() => settings({ DISCORD_SHARDS: 'many' }), /expected "auto" or a number/);
});
