// Leases on posting a generation's keyed messages, for the product's bot processes: one Redis key
// per generation and message (`SET NX PX`), owned by this process and renewed while its post
// runs, so a process resuming the generation while another still posts its grid or video leaves
// the post to it. The lease is short (it outlives a dead holder by at most `leaseMs`) and kept
// alive by renewing it every third of that; it is given back once the post's outcome is saved.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { PostLease, PostLeases } from '../service/ports.js';
import type { RedisConnection } from './queue-worker.js';

/** Takes the lease, or renews this owner's; else answers how many ms the other's still runs. */
const TAKE = `
local held = redis.call('GET', KEYS[1])
if held == false or held == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return -1
end
return redis.call('PTTL', KEYS[1])`;

/** How long a take waits for the connection (a process resuming as it starts) before failing. */
const CONNECT_WAIT_MS = 3_000;

/** Deletes the lease only if this owner still holds it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisPostLeasesOptions {
  connection: RedisConnection;
  /** Key prefix (QUEUE_PREFIX), so deployments and tests sharing a Redis stay apart. */
  prefix: string;
  /** How long a lease outlives its holder. Default 10 s. */
  leaseMs?: number;
  log?: Logger;
}

export class RedisPostLeases implements PostLeases {
  private readonly redis: Redis;
  /** This process's mark on the leases it holds. */
  private readonly owner = randomUUID();
  private readonly leaseMs: number;
  private wasReady = false;

  constructor(private readonly options: RedisPostLeasesOptions) {
    this.leaseMs = options.leaseMs ?? 10_000;
    // Offline queue off: while Redis is away a take fails at once (the runner posts anyway).
    this.redis = new Redis(options.connection.url, {
      maxRetriesPerRequest: null,
      enableOfflineQueue: false,
    });
    this.redis.on('error', (error) => options.log?.warn({ err: error }, 'post leases connection'));
    this.redis.once('ready', () => (this.wasReady = true));
  }

  async take(generationId: string, key: string): Promise<PostLease | number> {
    const name = `${this.options.prefix}:post-lease:${generationId}:${key}`;
    const renew = async () =>
      Number(await this.redis.eval(TAKE, 1, name, this.owner, String(this.leaseMs)));
    await this.connected();
    const left = await renew();
    if (left >= 0) return left;
    const timer = setInterval(() => {
      renew().catch((error: unknown) =>
        this.options.log?.warn({ err: error, generationId, key }, 'post lease not renewed'),
      );
    }, this.leaseMs / 3);
    timer.unref(); // a post stuck at shutdown does not hold the process open
    return {
      release: async () => {
        clearInterval(timer);
        await this.redis.eval(RELEASE, 1, name, this.owner);
      },
    };
  }

  /**
   * Waits a little for the first connection (commands are not queued while it is not up); once
   * it has been up, a take while Redis is away fails at once.
   */
  private async connected(): Promise<void> {
    if (this.redis.status === 'ready' || this.wasReady) return;
    const timeout = AbortSignal.timeout(CONNECT_WAIT_MS);
    await once(this.redis, 'ready', { signal: timeout }).catch(() => {});
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
