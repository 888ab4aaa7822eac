// `npm run discord` with DISCORD_SHARDS=auto, as operators run it: the process asks Discord (the
// fake) how many shards, starts one bot process per shard on one PostgreSQL database and one
// Redis prefix, starts a shard again when it dies, and stops them all on SIGTERM.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startBin, type BinProcess } from '../../helpers/bin-process.js';
import { createTestDatabase, rawQuery, type TestDatabase } from '../../helpers/databases.js';
import { waitFor } from '../../queue/helpers.js';
import { assertContractKept } from './harness.js';
import { FakeDiscord, type FakeServer } from './fake/fake-discord.js';

const STARTUP_MS = 180_000;
let fake: FakeDiscord;
let servers: FakeServer[];
let db: TestDatabase;
let work: string;
let manager: BinProcess;

before(async () => {
  fake = await FakeDiscord.start();
  fake.world.recommendedShards = 2;
  servers = [fake.world.addServer(0, 2), fake.world.addServer(1, 2)];
  db = await createTestDatabase('postgresql');
  work = mkdtempSync(path.join(tmpdir(), 'ff-shards-'));
  manager = startBin('discord', {
    DISCORD_TOKEN: fake.token,
    DISCORD_APPLICATION_ID: fake.world.applicationId,
    DISCORD_API_URL: fake.api,
    DISCORD_SHARDS: 'auto',
    DATABASE_URL: db.target.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `test-shards-${randomUUID().slice(0, 8)}`,
    DATA_DIR: path.join(work, 'data'),
    LOG_LEVEL: 'warn',
  });
});

after(async () => {
  if (manager.child.exitCode === null) manager.child.kill('SIGKILL');
  await fake.close();
  await db.drop();
  rmSync(work, { recursive: true, force: true });
});

/** The manager's live child processes that run a shard (its own entry point again). */
const shardProcesses = (): number[] => {
  const args = ['-o', 'pid=,stat=,args=', '--ppid', String(manager.child.pid)];
  let out: string;
  try {
    out = execFileSync('ps', args, { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there is no child
  }
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat, ...args]) => !stat?.startsWith('Z') && args.join(' ').includes('discord.ts'))
    .map(([pid]) => Number(pid));
};

test(
  'one process per recommended shard, each serving its own servers on the shared database',
  { timeout: 2 * STARTUP_MS },
  async () => {
    await waitFor(
      'the shard processes to start',
      () =>
        /2 shard processes are running/.test(manager.output()) || manager.child.exitCode !== null,
      STARTUP_MS,
    );
    assert.equal(manager.child.exitCode, null, manager.output());
    assert.equal(shardProcesses().length, 2, 'two child processes');
    assert.deepEqual(fake.gateway.identifies.map((identify) => identify.shard).sort(), [
      [0, 2],
      [1, 2],
    ]);

    const alice = fake.world.addUser('alice');
    for (const server of servers) {
      fake.command(alice, 'video', { values: { prompt: 'a red circle', seed: 5 }, server });
    }
    // No worker runs: each request is accepted and queued by the process of its shard.
    for (const server of servers) {
      await waitFor(`the request queued in ${server.guildId}`, () =>
        fake
          .messages()
          .some(
            (m) => m.channelId === server.channelId && /"a red circle": queued/.test(m.content),
          ),
      );
    }
    const rows = await rawQuery<{ guild: string }>(
      db.target,
      'SELECT w."externalId" AS guild FROM "Generation" g JOIN "Workspace" w ON w.id = g."workspaceId" ORDER BY guild',
    );
    assert.deepEqual(
      rows.map((row) => row.guild),
      servers.map((server) => server.guildId).sort(),
      'both generations in the one database',
    );

    // A shard that dies is started again, and connects as the same shard.
    const [victim] = shardProcesses();
    process.kill(victim!, 'SIGKILL');
    await waitFor(
      'the shard started again',
      () => fake.gateway.identifies.length === 3,
      STARTUP_MS,
    );
    assert.equal(shardProcesses().length, 2);
    const shards = fake.gateway.identifies.map((identify) => identify.shard![0]);
    assert.equal(shards.filter((id) => id === shards[2]).length, 2, 'the same shard again');

    manager.child.kill('SIGTERM');
    assert.equal(await manager.exited, 0, manager.output());
    await waitFor('every gateway session closed', () => fake.gateway.connected === 0);
    assertContractKept(fake);
  },
);
