// The QuotaStore and AuditLog ports on Prisma, over the rules in src/core/quota.ts.
// Reservations are a ledger, atomic and idempotent by key: reserve (before a job is queued)
// -> commit (video posted) or refund (finally failed). Reservations for one workspace run one
// at a time: each first bumps the workspace's and the user's `quotaLock` row, whose row locks
// (PostgreSQL) or write lock (SQLite) make any concurrent reservation wait until this one has
// committed, then count what it wrote. Admin changes write the policy rows; the bot records
// its own audit entry for each (allowed or refused) action.
import { randomUUID } from 'node:crypto';
import type { QuotaChange } from '../../core/commands/types.js';
import {
  decide,
  type LedgerItem,
  type Limit,
  type Limits,
  periodEnd,
  PERIODS,
  periodStart,
  type Policy,
  resolveLimits,
  type Usage,
  usageByPeriod,
} from '../../core/quota.js';
import type { Db } from '../../db/index.js';
import type {
  AuditEntry,
  AuditLog,
  QuotaDecision,
  QuotaStatus,
  QuotaStore,
  QuotaSubject,
  QuotaWindow,
} from '../../service/ports.js';
import type { PrismaSubjects } from './prisma-subjects.js';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export class QuotaStateError extends Error {
  override name = 'QuotaStateError';
}

// Many reservations may queue behind one lock; give them time rather than fail.
const TRANSACTION = { maxWait: 30_000, timeout: 30_000 };

/** Policy columns hold null for "inherit" and -1 for unlimited (prisma/models.prisma). */
const UNLIMITED_COLUMN = -1;

function policyOf(daily: number | null | undefined, monthly: number | null | undefined) {
  const limitOf = (value: number | null | undefined): Limit | undefined =>
    value === null || value === undefined ? undefined : value === UNLIMITED_COLUMN ? null : value;
  return { daily: limitOf(daily), monthly: limitOf(monthly) } satisfies Policy;
}

const columnOf = (limit: Limit): number => limit ?? UNLIMITED_COLUMN;

export class PrismaQuotaStore implements QuotaStore, AuditLog {
  constructor(
    private readonly db: Db,
    private readonly subjects: PrismaSubjects,
    private readonly defaults: Limits,
  ) {}

  async reserve(key: string, subject: QuotaSubject, now: number): Promise<QuotaDecision> {
    const { workspaceId, userId } = await this.rows(subject);
    const at = new Date(now);
    return this.db.$transaction(async (tx): Promise<QuotaDecision> => {
      await tx.workspace.update({
        where: { id: workspaceId },
        data: { quotaLock: { increment: 1 } },
      });
      await tx.user.update({ where: { id: userId }, data: { quotaLock: { increment: 1 } } });

      const existing = await tx.quotaLedgerEntry.findUnique({ where: { key } });
      if (existing) {
        if (existing.kind !== 'job' || existing.userId !== userId) {
          throw new QuotaStateError(`quota key ${key} belongs to another ledger entry`);
        }
        return { ok: true }; // a repeated request: nothing new charged
      }
      const { limits, usage } = await this.usage(tx, workspaceId, userId, at);
      const decision = decide(limits, usage, at);
      if (!decision.ok) {
        const { scope, period, limit, granted, resetsAt } = decision;
        return { ok: false, scope, period, limit: limit + granted, resetsAt: resetsAt.getTime() };
      }
      await tx.quotaLedgerEntry.create({
        data: {
          key,
          kind: 'job',
          state: 'reserved',
          workspaceId,
          userId,
          amount: 1,
          createdAt: at,
        },
      });
      return { ok: true };
    }, TRANSACTION);
  }

  /** The video was posted: the reservation becomes a charge. Repeating it changes nothing. */
  commit(key: string): Promise<void> {
    return this.settle(key, 'committed');
  }

  /**
   * The job finally failed: the reservation is given back. Repeating it, or a key never
   * reserved, changes nothing; a committed charge is not given back.
   */
  refund(key: string): Promise<void> {
    return this.settle(key, 'refunded');
  }

  private async settle(key: string, to: 'committed' | 'refunded'): Promise<void> {
    const { count } = await this.db.quotaLedgerEntry.updateMany({
      where: { key, kind: 'job', state: 'reserved' },
      data: { state: to },
    });
    if (count === 1) return;
    const entry = await this.db.quotaLedgerEntry.findUnique({ where: { key } });
    if (!entry) {
      if (to === 'refunded') return;
      throw new QuotaStateError(`no quota reservation for key ${key}`);
    }
    if (entry.state !== to) {
      throw new QuotaStateError(`quota key ${key} was already ${entry.state}; it cannot be ${to}`);
    }
  }

  async status(subject: QuotaSubject, now: number): Promise<QuotaStatus> {
    const { workspaceId, userId } = await this.rows(subject);
    const at = new Date(now);
    const { limits, usage } = await this.db.$transaction((tx) =>
      this.usage(tx, workspaceId, userId, at),
    );
    const windows = (scope: keyof Usage) =>
      Object.fromEntries(
        PERIODS.map((period): [string, QuotaWindow] => [
          period,
          {
            used: usage[scope][period].used,
            // The base limit; grants are reported apart (`granted`).
            limit: limits[scope][period],
            resetsAt: periodEnd(period, at).getTime(),
          },
        ]),
      ) as QuotaStatus['user'];
    return {
      user: windows('user'),
      workspace: windows('workspace'),
      granted: usage.user.daily.granted,
    };
  }

  async change(
    workspace: { platform: string; workspaceId: string },
    change: QuotaChange,
    now: number,
  ): Promise<void> {
    const workspaceId = await this.subjects.workspaceId(workspace.platform, workspace.workspaceId);
    const userId =
      change.target.kind === 'user'
        ? await this.subjects.userId(
            workspace.platform,
            workspace.workspaceId,
            change.target.userId,
          )
        : undefined;
    switch (change.action) {
      case 'set': {
        const column = change.period === 'daily' ? 'dailyLimit' : 'monthlyLimit';
        await this.writePolicy(workspaceId, userId, { [column]: columnOf(change.limit) });
        return;
      }
      case 'grant':
        await this.db.quotaLedgerEntry.create({
          data: {
            key: `grant:${randomUUID()}`,
            kind: 'grant',
            state: 'committed',
            workspaceId,
            userId: userId ?? null,
            amount: change.amount,
            createdAt: new Date(now),
          },
        });
        return;
      case 'reset':
        await this.writePolicy(workspaceId, userId, { resetAt: new Date(now) });
        return;
    }
  }

  /** Audit rows keep the refusals too: `details.allowed` says which it was. */
  async record(entry: AuditEntry): Promise<void> {
    const workspaceId = await this.subjects.workspaceId(entry.platform, entry.workspaceId);
    const actorId = await this.subjects.userId(
      entry.platform,
      entry.workspaceId,
      entry.actorId,
      entry.actorName,
    );
    await this.db.auditEntry.create({
      data: {
        workspaceId,
        actorId,
        action: entry.action,
        target: entry.target,
        details: JSON.parse(
          JSON.stringify({ allowed: entry.allowed, details: entry.details ?? null }),
        ),
        createdAt: new Date(entry.at),
      },
    });
  }

  /**
   * The user's policy row when `userId` is given, else the workspace's. An upsert on one unique
   * column is a single INSERT … ON CONFLICT, so admins writing a first policy at once never
   * meet P2002 (a find-then-create would; tested on PostgreSQL).
   */
  private async writePolicy(
    workspaceId: string,
    userId: string | undefined,
    data: { dailyLimit?: number; monthlyLimit?: number; resetAt?: Date },
  ): Promise<void> {
    if (userId) {
      await this.db.userQuotaPolicy.upsert({
        where: { userId },
        create: { userId, ...data },
        update: data,
      });
    } else {
      await this.db.workspaceQuotaPolicy.upsert({
        where: { workspaceId },
        create: { workspaceId, ...data },
        update: data,
      });
    }
  }

  /** The limits that apply and what is used of them, in one transaction. */
  private async usage(tx: Tx, workspaceId: string, userId: string, now: Date) {
    const [workspacePolicy, userPolicy] = await Promise.all([
      tx.workspaceQuotaPolicy.findUnique({ where: { workspaceId } }),
      tx.userQuotaPolicy.findUnique({ where: { userId } }),
    ]);
    const limits = resolveLimits(this.defaults, {
      user: policyOf(userPolicy?.dailyLimit, userPolicy?.monthlyLimit),
      member: policyOf(workspacePolicy?.userDailyLimit, workspacePolicy?.userMonthlyLimit),
      workspace: policyOf(workspacePolicy?.dailyLimit, workspacePolicy?.monthlyLimit),
    });
    // Resets only move the start later, so the month's entries hold every period's.
    const since = periodStart('monthly', now);
    const charged = { kind: 'job' as const, state: { not: 'refunded' as const } };
    const select = { kind: true, amount: true, createdAt: true };
    const [userItems, workspaceItems]: LedgerItem[][] = await Promise.all([
      tx.quotaLedgerEntry.findMany({
        where: { userId, createdAt: { gte: since }, OR: [charged, { kind: 'grant' }] },
        select,
      }),
      tx.quotaLedgerEntry.findMany({
        where: {
          workspaceId,
          createdAt: { gte: since },
          OR: [charged, { kind: 'grant', userId: null }],
        },
        select,
      }),
    ]);
    const usage: Usage = {
      user: usageByPeriod(userItems, now, userPolicy?.resetAt),
      workspace: usageByPeriod(workspaceItems, now, workspacePolicy?.resetAt),
    };
    return { limits, usage };
  }

  private async rows(subject: QuotaSubject) {
    return {
      workspaceId: await this.subjects.workspaceId(subject.platform, subject.workspaceId),
      userId: await this.subjects.userId(subject.platform, subject.workspaceId, subject.userId),
    };
  }
}
