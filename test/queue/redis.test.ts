import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ensureRedis, pingRedis, RedisUnavailableError } from '../../src/queue/index.js';
import { freePort } from '../helpers/ports.js';
import { silentLog } from '../helpers/silent-log.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'ff-redis-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('without REDIS_URL and with nothing on the port, a private redis-server is started', async () => {
  const port = await freePort();
  const redis = await ensureRedis({ dataDir, log: silentLog, port });
  try {
    assert.equal(redis.isPrivate, true);
    assert.equal(redis.url, `redis://127.0.0.1:${port}`);
    await pingRedis(redis.url);
    assert.ok(existsSync(path.join(dataDir, 'redis')), 'data folder under DATA_DIR');
  } finally {
    await redis.stop();
  }
  await assert.rejects(pingRedis(redis.url), 'stopped with the process');
});

test('an answering Redis on the port is used as is', async () => {
  const port = await freePort();
  const first = await ensureRedis({ dataDir, log: silentLog, port });
  try {
    const second = await ensureRedis({ dataDir, log: silentLog, port });
    assert.equal(second.isPrivate, false);
    assert.equal(second.url, first.url);
  } finally {
    await first.stop();
  }
});

test('no redis-server on PATH: the error says how to get Redis', async () => {
  const port = await freePort();
  await assert.rejects(
    ensureRedis({ dataDir, log: silentLog, port, searchPath: '/nonexistent' }),
    (error: Error) =>
      error instanceof RedisUnavailableError &&
      /no redis-server on PATH/.test(error.message) &&
      /apt-get install redis-server/.test(error.message) &&
      /REDIS_URL/.test(error.message),
  );
});

test('a REDIS_URL that does not answer is an error that hides the password', async () => {
  const port = await freePort();
  await assert.rejects(
    ensureRedis({ url: `redis://:topsecret@127.0.0.1:${port}`, dataDir, log: silentLog }),
    (error: Error) =>
      error instanceof RedisUnavailableError &&
      /does not answer/.test(error.message) &&
      !error.message.includes('topsecret'),
  );
});
