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
  limitToDb,
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

/** Admin changes to quotas; each is written to the audit log with who made it. */
export class QuotaAdmin {
  constructor(private readonly db: Db) {}

  /** Limits for one user (`userId`) or the whole workspace; null = back to the default. */
  async setLimits(change: {
    actorId: string;
    workspaceId: string;
    userId?: string;
    daily?: Limit | null;
    monthly?: Limit | null;
    /** Workspace only: default limits for each member. */
    userDaily?: Limit | null;
    userMonthly?: Limit | null;
  }) {
    const data = {
      ...(change.daily === undefined ? {} : { dailyLimit: limitToDb(change.daily) }),
      ...(change.monthly === undefined ? {} : { monthlyLimit: limitToDb(change.monthly) }),
    };
    return this.db.$transaction(async (tx) => {
      if (change.userId) {
        await tx.userQuotaPolicy.upsert({
          where: { userId: change.userId },
          create: { userId: change.userId, ...data },
          update: data,
        });
      } else {
        const workspaceData = {
          ...data,
          ...(change.userDaily === undefined
            ? {}
            : { userDailyLimit: limitToDb(change.userDaily) }),
          ...(change.userMonthly === undefined
            ? {}
            : { userMonthlyLimit: limitToDb(change.userMonthly) }),
        };
        await tx.workspaceQuotaPolicy.upsert({
          where: { workspaceId: change.workspaceId },
          create: { workspaceId: change.workspaceId, ...workspaceData },
          update: workspaceData,
        });
      }
      await audit(tx, change, 'quota.set', {
        daily: change.daily,
        monthly: change.monthly,
        userDaily: change.userDaily,
        userMonthly: change.userMonthly,
      });
    });
  }

  /** Extra generations for today and this month, for a user or the workspace. */
  async grant(change: { actorId: string; workspaceId: string; userId?: string; amount: number }) {
    if (!Number.isInteger(change.amount) || change.amount < 1) {
      throw new QuotaStateError(`grant amount ${change.amount}: expected a whole number from 1`);
    }
    return this.db.$transaction(async (tx) => {
      await tx.quotaLedgerEntry.create({
        data: {
          key: `grant:${crypto.randomUUID()}`,
          kind: 'grant',
          state: 'committed',
          workspaceId: change.workspaceId,
          userId: change.userId ?? null,
          amount: change.amount,
        },
      });
      await audit(tx, change, 'quota.grant', { amount: change.amount });
    });
  }

  /** Usage so far stops counting, for a user or the workspace. */
  async reset(change: { actorId: string; workspaceId: string; userId?: string; now?: Date }) {
    const resetAt = change.now ?? new Date();
    return this.db.$transaction(async (tx) => {
      if (change.userId) {
        await tx.userQuotaPolicy.upsert({
          where: { userId: change.userId },
          create: { userId: change.userId, resetAt },
          update: { resetAt },
        });
      } else {
        await tx.workspaceQuotaPolicy.upsert({
          where: { workspaceId: change.workspaceId },
          create: { workspaceId: change.workspaceId, resetAt },
          update: { resetAt },
        });
      }
      await audit(tx, change, 'quota.reset', { resetAt: resetAt.toISOString() });
    });
  }
}

async function audit(
  tx: Tx,
  change: { actorId: string; workspaceId: string; userId?: string },
  action: string,
  details: Record<string, unknown>,
) {
  await tx.auditEntry.create({
    data: {
      workspaceId: change.workspaceId,
      actorId: change.actorId,
      action,
      target: change.userId ? `user:${change.userId}` : 'workspace',
      details: JSON.parse(JSON.stringify(details)),
    },
  });
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
