// Discord sharding. Discord sends each server's events to one gateway session, its shard
// ((guild id >> 22) % shard count), and requires shards above about 2,500 servers. A shard
// needs no coordination of its own: every shard is a whole bot process over the same database
// and Redis (flow saves are compare-and-set, deadlines are delayed jobs), and slash commands
// are registered once, by `npm run discord:deploy-commands`, not per shard.
import { REST, Routes, ShardingManager } from 'discord.js';
import type { Logger } from '../../log.js';

/** The shards one discord.js client runs: `ids` of `count` (or Discord's recommended count). */
export type ShardSet = { ids: number[]; count: number } | 'auto';

/** The shard count Discord recommends for this bot (GET /gateway/bot). */
export async function recommendedShardCount(token: string, api?: string): Promise<number> {
  const rest = new REST(api ? { api } : {}).setToken(token);
  const { shards } = (await rest.get(Routes.gatewayBot())) as { shards: number };
  return shards;
}

export interface ShardManagerOptions {
  /** The entry point each shard process runs (this process's own). */
  file: string;
  token: string;
  api?: string | undefined;
  count: number | 'auto';
  log: Logger;
  /** Between two shards' starts: Discord allows one IDENTIFY per 5 s (max_concurrency 1). */
  spawnDelayMs?: number;
}

/**
 * Starts one child process per shard; a shard that dies is started again. Resolves once every
 * shard is connected; `stop` ends them (SIGTERM: each stops cleanly).
 */
export async function startShardManager(
  options: ShardManagerOptions,
): Promise<{ count: number; stop(): Promise<void> }> {
  const count =
    options.count === 'auto'
      ? await recommendedShardCount(options.token, options.api)
      : options.count;
  const manager = new ShardingManager(options.file, {
    token: options.token,
    totalShards: count,
    mode: 'process',
    respawn: true,
    // The children run the same TypeScript entry point, with this process's loader (tsx).
    execArgv: process.execArgv,
  });
  manager.on('shardCreate', (shard) => {
    options.log.info({ shard: shard.id, of: count }, 'discord shard process started');
    shard.on('death', () => options.log.warn({ shard: shard.id }, 'discord shard process died'));
  });
  await manager.spawn({
    amount: count,
    delay: options.spawnDelayMs ?? 5_500,
    // A shard process starts the whole bot (database, queue) before it connects.
    timeout: 180_000,
  });
  return {
    count,
    async stop() {
      await Promise.all(
        [...manager.shards.values()].map(async (shard) => {
          const child = shard.process;
          if (!child || child.exitCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          shard.kill();
          await exited;
        }),
      );
    },
  };
}
