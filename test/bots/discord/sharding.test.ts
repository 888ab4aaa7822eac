// Sharding against the fake gateway, which sends each server's events only to the session of
// its shard, as Discord does: one client on every shard (`npm start` with DISCORD_SHARDS), and
// two clients on one shard each, where each answers the servers of its own shard only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ShardSet } from '../../../src/bots/discord/index.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { assertContractKept, DiscordHarness } from './harness.js';
import { FakeDiscord, type FakeServer } from './fake/fake-discord.js';

const GRID = /Round 1 for "a red circle"/;

/** A fake Discord recommending two shards, with a server on each, and bots on `shardSets`. */
async function withShardedBots(
  shardSets: ShardSet[],
  body: (fake: FakeDiscord, servers: FakeServer[], bots: DiscordHarness[]) => Promise<void>,
): Promise<void> {
  const fake = await FakeDiscord.start();
  fake.world.recommendedShards = 2;
  const servers = [fake.world.addServer(0, 2), fake.world.addServer(1, 2)];
  const bots: DiscordHarness[] = [];
  try {
    for (const shards of shardSets) {
      const bot = new DiscordHarness({ shards });
      bot.fake = fake;
      bots.push(await bot.start());
    }
    await body(fake, servers, bots);
  } finally {
    for (const bot of bots) await bot.stop();
    await fake.close();
    assertContractKept(fake);
  }
}

/** Both shards connected; then a /video in each server, answered there with its grid. */
async function videoInEachServer(fake: FakeDiscord, servers: FakeServer[]): Promise<void> {
  const shards = fake.gateway.identifies.map((identify) => identify.shard).sort();
  assert.deepEqual(shards, [
    [0, 2],
    [1, 2],
  ]);
  const alice = fake.world.addUser('alice');
  for (const [index, server] of servers.entries()) {
    fake.command(alice, 'video', { values: { prompt: 'a red circle', seed: index + 1 }, server });
    await waitFor(() => gridsIn(fake, server).length === 1, `the grid in ${server.guildId}`);
  }
}

const gridsIn = (fake: FakeDiscord, server: FakeServer) =>
  fake.messages().filter((m) => GRID.test(m.content) && m.channelId === server.channelId);

test('one client runs every shard Discord recommends and answers in the servers of both', async () => {
  await withShardedBots(['auto'], videoInEachServer);
});

test('two clients on one shard each: a server is served by the client of its shard only', async () => {
  const shardSets = [0, 1].map((id) => ({ ids: [id], count: 2 }));
  await withShardedBots(shardSets, async (fake, servers, bots) => {
    await videoInEachServer(fake, servers);
    for (const [index, bot] of bots.entries()) {
      // Each client's own service holds the generation of its shard's server, and no other.
      const generations = await bot.store.loadActiveGenerations();
      assert.deepEqual(
        generations.map((state) => state.workspaceId),
        [servers[index]!.guildId],
        `shard ${index}'s generations`,
      );
    }
    const interactions = fake.gateway.sent.filter((sent) => sent.type === 'INTERACTION_CREATE');
    assert.deepEqual(
      interactions.map((sent) => sent.shard[0]),
      [0, 1],
      'each command went to the one session of its server',
    );
    // A vote under a grid reaches the client of that server's shard.
    const bob = fake.world.addUser('bob');
    const grid = gridsIn(fake, servers[1]!)[0]!;
    await bots[1]!.waitForBotReactions(grid, ['3️⃣']);
    fake.react(bob, grid, '3️⃣');
    await waitFor(async () => (await bots[1]!.voteOf(grid, bob.id)) === 3, "bob's vote on shard 1");
    assert.equal(await bots[0]!.voteOf(grid, bob.id), undefined);
  });
});
