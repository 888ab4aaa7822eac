import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import {
  ConfigError,
  describeConfig,
  defaultQueuePrefix,
  loadConfig,
} from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';

const base = mkdtempSync(path.join(tmpdir(), 'ff-config-'));
after(() => rmSync(base, { recursive: true, force: true }));

function load(env: Record<string, string>) {
  return loadConfig({ env, envFile: null, baseDir: base });
}

test('defaults describe the embedded setup: SQLite file under ./data', () => {
  const config = load({});
  assert.equal(config.dataDir, path.join(base, 'data'));
  assert.deepEqual(config.database, {
    kind: 'sqlite',
    url: `file:${path.join(base, 'data', 'firstframe.db')}`,
    file: path.join(base, 'data', 'firstframe.db'),
  });
  assert.equal(config.env.HTTP_PORT, 3000);
  assert.equal(config.env.REDIS_URL, undefined);
  assert.equal(config.env.ENGINE_PROVIDER, 'cpu');
  assert.equal(config.env.QUOTA_USER_DAILY, 10);
  assert.equal(config.env.QUOTA_WORKSPACE_MONTHLY, null);
});

test('the engine defaults: one engine per core, one thread inside each', () => {
  const config = load({});
  assert.equal(config.env.ENGINE_THREADS, 1);
  assert.equal(config.env.WORKER_CONCURRENCY, Math.min(64, availableParallelism()));
  assert.equal(load({ WORKER_CONCURRENCY: '3' }).env.WORKER_CONCURRENCY, 3);
});

test('quota limits take a whole number or "unlimited"', () => {
  const config = load({ QUOTA_USER_DAILY: 'unlimited', QUOTA_WORKSPACE_DAILY: '50' });
  assert.equal(config.env.QUOTA_USER_DAILY, null);
  assert.equal(config.env.QUOTA_WORKSPACE_DAILY, 50);
  const error = assertThrowsConfigError(() => load({ QUOTA_USER_MONTHLY: 'lots' }));
  assert.match(
    error.message,
    /QUOTA_USER_MONTHLY \("lots"\): expected a whole number or "unlimited"/,
  );
});

test('a PostgreSQL DATABASE_URL selects PostgreSQL and keeps its schema parameter', () => {
  const config = load({ DATABASE_URL: 'postgresql://u:p@db.example:5432/ff?schema=bot' });
  assert.equal(config.database.kind, 'postgresql');
  assert.equal(config.database.kind === 'postgresql' && config.database.schema, 'bot');
});

test('every bad variable is named in one error, with what is allowed', () => {
  const error = assertThrowsConfigError(() =>
    load({
      HTTP_PORT: 'eighty',
      ENGINE_PROVIDER: 'tpu',
      WORKER_CONCURRENCY: '0',
      DATABASE_URL: 'mysql://root:hunter2@localhost/db',
    }),
  );
  assert.equal(error.problems.length, 4);
  const text = error.message;
  for (const name of ['HTTP_PORT', 'ENGINE_PROVIDER', 'WORKER_CONCURRENCY', 'DATABASE_URL']) {
    assert.match(text, new RegExp(`- ${name} `));
  }
  assert.match(text, /ENGINE_PROVIDER \("tpu"\): .*"cpu"\|"cuda"/);
  assert.match(text, /postgresql:\/\//);
  assert.doesNotMatch(text, /hunter2/);
});

test('a configuration error never prints a secret that was set', () => {
  const error = assertThrowsConfigError(() =>
    load({ DISCORD_TOKEN: 'super-secret-token', REGENERATE_COSTS_QUOTA: 'maybe' }),
  );
  assert.match(error.message, /REGENERATE_COSTS_QUOTA/);
  assert.doesNotMatch(error.message, /super-secret-token/);
});

test('.env fills in variables but the real environment wins', () => {
  const dir = path.join(base, 'dotenv');
  mkdirSync(dir);
  const envFile = path.join(dir, '.env');
  writeFileSync(envFile, 'HTTP_PORT=4000\nQUEUE_PREFIX=fromfile\n');
  const config = loadConfig({ env: { HTTP_PORT: '5000' }, envFile, baseDir: dir });
  assert.equal(config.env.HTTP_PORT, 5000);
  assert.equal(config.env.QUEUE_PREFIX, 'fromfile');
});

test('secrets are hidden in the printable configuration and in logs', () => {
  const config = load({
    DISCORD_TOKEN: 'discord-secret',
    SLACK_BOT_TOKEN: 'xoxb-secret',
    REDIS_URL: 'redis://:redispass@127.0.0.1:6379',
    DATABASE_URL: 'postgresql://u:dbpass@127.0.0.1:5432/x',
  });
  const shown = JSON.stringify(describeConfig(config));
  for (const secret of ['discord-secret', 'xoxb-secret', 'redispass', 'dbpass']) {
    assert.doesNotMatch(shown, new RegExp(secret));
  }

  let output = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const log = createLogger('info', 'test', sink);
  log.info({ env: config.env, token: 'raw-token' }, 'configuration');
  assert.match(output, /configuration/);
  for (const secret of ['discord-secret', 'xoxb-secret', 'raw-token']) {
    assert.doesNotMatch(output, new RegExp(secret));
  }
});

function assertThrowsConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

test('without QUEUE_PREFIX, checkouts with their own database get their own queues', () => {
  const first = loadConfig({ env: { QUEUE_PREFIX: '' }, envFile: null, baseDir: '/srv/one' });
  const again = loadConfig({ env: {}, envFile: null, baseDir: '/srv/one' });
  const second = loadConfig({ env: {}, envFile: null, baseDir: '/srv/two' });
  assert.match(first.env.QUEUE_PREFIX, /^firstframe-[0-9a-f]{10}$/);
  assert.equal(again.env.QUEUE_PREFIX, first.env.QUEUE_PREFIX);
  assert.notEqual(second.env.QUEUE_PREFIX, first.env.QUEUE_PREFIX);
  // Processes of one installation share a PostgreSQL database, so they share queues too.
  const url = 'postgresql://bot@127.0.0.1:5432/firstframe';
  const worker = loadConfig({ env: { DATABASE_URL: url }, envFile: null, baseDir: '/srv/one' });
  const bot = loadConfig({ env: { DATABASE_URL: url }, envFile: null, baseDir: '/srv/two' });
  assert.equal(worker.env.QUEUE_PREFIX, bot.env.QUEUE_PREFIX);
  assert.equal(worker.env.QUEUE_PREFIX, defaultQueuePrefix(url));
});

test('the playground has no admin name by default; METRICS_TOKEN is a secret', () => {
  const defaults = load({});
  assert.deepEqual(defaults.env.PLAYGROUND_ADMINS, []);
  assert.deepEqual(defaults.env.PLAYGROUND_HOSTS, []);
  assert.equal(defaults.env.METRICS_TOKEN, undefined);
  const config = load({
    PLAYGROUND_ADMINS: ' ann, bo ,',
    PLAYGROUND_HOSTS: 'ff.example.com',
    METRICS_TOKEN: 'scrape-secret',
  });
  assert.deepEqual(config.env.PLAYGROUND_ADMINS, ['ann', 'bo']);
  assert.deepEqual(config.env.PLAYGROUND_HOSTS, ['ff.example.com']);
  assert.equal(config.env.METRICS_TOKEN, 'scrape-secret');
  assert.doesNotMatch(JSON.stringify(describeConfig(config)), /scrape-secret/);
});
