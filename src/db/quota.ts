// Quota reservations as a ledger, atomic and idempotent by job id:
// reserve (before a job is queued) -> commit (video posted) or refund (finally failed).
// Reservations for one workspace run one at a time: each first bumps the workspace's and the
// user's `quotaLock` row, whose row locks (PostgreSQL) or write lock (SQLite) make any
// concurrent reservation wait until this one has committed, then count what it wrote.
import {
  countingSince,
  decide,
  type LedgerItem,
  type Limit,
  type Limits,
  PERIODS,
  type QuotaDecision,
  resolveLimits,
  type Usage,
  usageSince,
} from '../core/quota.js';
import type { Db } from './client.js';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export class QuotaStateError extends Error {
  override name = 'QuotaStateError';
}

export type Reservation = QuotaDecision & {
  /** True when this job id was already reserved (a repeated request): nothing new charged. */
  repeated?: boolean;
};

// Many reservations may queue behind one lock; give them time rather than fail.
const TRANSACTION = { maxWait: 30_000, timeout: 30_000 };

export class QuotaService {
  constructor(
    private readonly db: Db,
    private readonly defaults: Limits,
  ) {}

  async reserve(request: {
    jobId: string;
    workspaceId: string;
    userId: string;
    amount?: number;
    now?: Date;
  }): Promise<Reservation> {
    const now = request.now ?? new Date();
    const amount = request.amount ?? 1;
    return this.db.$transaction(async (tx) => {
      await tx.workspace.update({
        where: { id: request.workspaceId },
        data: { quotaLock: { increment: 1 } },
      });
      await tx.user.update({
        where: { id: request.userId },
        data: { quotaLock: { increment: 1 } },
      });

      const existing = await tx.quotaLedgerEntry.findUnique({ where: { key: request.jobId } });
      if (existing) {
        if (existing.kind !== 'job' || existing.userId !== request.userId) {
          throw new QuotaStateError(`job id ${request.jobId} belongs to another ledger entry`);
        }
        return { ok: true, repeated: true };
      }
      const { limits, usage } = await this.currentUsage(
        tx,
        request.workspaceId,
        request.userId,
        now,
      );
      const decision = decide(limits, usage, now, amount);
      if (!decision.ok) return decision;
      await tx.quotaLedgerEntry.create({
        data: {
          key: request.jobId,
          kind: 'job',
          state: 'reserved',
          workspaceId: request.workspaceId,
          userId: request.userId,
          amount,
          createdAt: now,
        },
      });
      return decision;
    }, TRANSACTION);
  }

  /** The video was posted: the reservation becomes a charge. Repeating it changes nothing. */
  commit(jobId: string): Promise<void> {
    return this.settle(jobId, 'committed');
  }

  /** The job finally failed: the reservation is given back. Repeating it changes nothing. */
  refund(jobId: string): Promise<void> {
    return this.settle(jobId, 'refunded');
  }

  private async settle(jobId: string, to: 'committed' | 'refunded'): Promise<void> {
    const { count } = await this.db.quotaLedgerEntry.updateMany({
      where: { key: jobId, kind: 'job', state: 'reserved' },
      data: { state: to },
    });
    if (count === 1) return;
    const entry = await this.db.quotaLedgerEntry.findUnique({ where: { key: jobId } });
    if (!entry) throw new QuotaStateError(`no quota reservation for job ${jobId}`);
    if (entry.state !== to) {
      throw new QuotaStateError(`job ${jobId} was already ${entry.state}; it cannot be ${to}`);
    }
  }

  /** Limits, usage and reset times for `/quota`. */
  async status(workspaceId: string, userId: string, now = new Date()) {
    return this.db.$transaction((tx) => this.currentUsage(tx, workspaceId, userId, now));
  }

  private async currentUsage(tx: Tx, workspaceId: string, userId: string, now: Date) {
    const [workspacePolicy, userPolicy] = await Promise.all([
      tx.workspaceQuotaPolicy.findUnique({ where: { workspaceId } }),
      tx.userQuotaPolicy.findUnique({ where: { userId } }),
    ]);
    const limits = resolveLimits(this.defaults, workspacePolicy, userPolicy);
    const monthStart = countingSince('monthly', now);
    const charged = { kind: 'job' as const, state: { not: 'refunded' as const } };
    const select = { kind: true, amount: true, createdAt: true };
    const [userItems, workspaceItems] = await Promise.all([
      tx.quotaLedgerEntry.findMany({
        where: {
          userId,
          createdAt: { gte: monthStart },
          OR: [charged, { kind: 'grant' }],
        },
        select,
      }),
      tx.quotaLedgerEntry.findMany({
        where: {
          workspaceId,
          createdAt: { gte: monthStart },
          OR: [charged, { kind: 'grant', userId: null }],
        },
        select,
      }),
    ]);
    const usageFor = (items: LedgerItem[], resetAt: Date | null | undefined) =>
      Object.fromEntries(
        PERIODS.map((period) => [period, usageSince(items, countingSince(period, now, resetAt))]),
      ) as Usage['user'];
    const usage: Usage = {
      user: usageFor(userItems, userPolicy?.resetAt),
      workspace: usageFor(workspaceItems, workspacePolicy?.resetAt),
    };
    return { limits, usage };
  }
}

export function quotaDefaults(env: {
  QUOTA_USER_DAILY: Limit;
  QUOTA_USER_MONTHLY: Limit;
  QUOTA_WORKSPACE_DAILY: Limit;
  QUOTA_WORKSPACE_MONTHLY: Limit;
}): Limits {
  return {
    user: { daily: env.QUOTA_USER_DAILY, monthly: env.QUOTA_USER_MONTHLY },
    workspace: { daily: env.QUOTA_WORKSPACE_DAILY, monthly: env.QUOTA_WORKSPACE_MONTHLY },
  };
}
