// How a Discord process shards, from DISCORD_SHARDS and DISCORD_SHARD_IDS (see
// src/bots/discord/sharding.ts for why shards need no coordination of their own).
import type { ShardSet } from '../bots/discord/sharding.js';
import type { Env } from '../config/schema.js';
import { ChatPlatformSetupError } from './setup-error.js';

/** What a Discord process does with the DISCORD_SHARDS settings. */
export type ShardPlan =
  /** One client on the shards of `shards` (undefined: no sharding, shard 0 of 1). */
  | { kind: 'client'; shards?: ShardSet }
  /** Start one child process per shard (`npm run discord` with DISCORD_SHARDS). */
  | { kind: 'manager'; count: number | 'auto' };

export type ShardSettings = Pick<Env, 'DISCORD_SHARDS' | 'DISCORD_SHARD_IDS'>;

/**
 * The plan for this process. `oneProcess`: run every shard here (`npm start`); otherwise
 * DISCORD_SHARDS alone asks for a process per shard. A process that the sharding manager
 * started runs the shard it was given (discord.js sets SHARDS and SHARD_COUNT for it).
 */
export function shardPlanOf(
  settings: ShardSettings,
  { oneProcess, processEnv = process.env }: { oneProcess: boolean; processEnv?: NodeJS.ProcessEnv },
): ShardPlan {
  if (processEnv.SHARDING_MANAGER && processEnv.SHARDS !== undefined) {
    return {
      kind: 'client',
      shards: { ids: [Number(processEnv.SHARDS)], count: Number(processEnv.SHARD_COUNT) },
    };
  }
  const count = settings.DISCORD_SHARDS;
  const ids = settings.DISCORD_SHARD_IDS;
  if (ids.length > 0) {
    if (typeof count !== 'number') {
      throw new ChatPlatformSetupError(
        'DISCORD_SHARD_IDS needs DISCORD_SHARDS set to the number of shards (not "auto"), so that every process splits the servers the same way.',
      );
    }
    const wrong = ids.filter((id) => !/^\d+$/.test(id) || Number(id) >= count);
    if (wrong.length > 0) {
      throw new ChatPlatformSetupError(
        `DISCORD_SHARD_IDS has ${wrong.join(', ')}: shard ids are whole numbers from 0 to ${count - 1} (DISCORD_SHARDS=${count}).`,
      );
    }
    return { kind: 'client', shards: { ids: [...new Set(ids.map(Number))], count } };
  }
  if (count === undefined) return { kind: 'client' };
  if (!oneProcess) return { kind: 'manager', count };
  if (count === 'auto') return { kind: 'client', shards: 'auto' };
  return { kind: 'client', shards: { ids: Array.from({ length: count }, (_, i) => i), count } };
}
