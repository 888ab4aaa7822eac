// The QuotaStore and AuditLog ports on Prisma: reservations go through foundation's atomic
// ledger (src/db/quota.ts, idempotent by key); admin changes write the policy rows directly,
// because the bot records its own audit entry for each (allowed or refused) action.
import { randomUUID } from 'node:crypto';
import type { QuotaChange } from '../../core/commands/types.js';
import { type Limits, limitToDb, periodEnd, PERIODS, type Usage } from '../../core/quota.js';
import type { Db } from '../../db/index.js';
import { QuotaService, QuotaStateError } from '../../db/quota.js';
import type {
  AuditEntry,
  AuditLog,
  QuotaDecision,
  QuotaStatus,
  QuotaStore,
  QuotaSubject,
  QuotaWindow,
} from '../ports.js';
import type { PrismaSubjects } from './prisma-subjects.js';

export class PrismaQuotaStore implements QuotaStore, AuditLog {
  private readonly service: QuotaService;

  constructor(
    private readonly db: Db,
    private readonly subjects: PrismaSubjects,
    defaults: Limits,
  ) {
    this.service = new QuotaService(db, defaults);
  }

  async reserve(key: string, subject: QuotaSubject, now: number): Promise<QuotaDecision> {
    const { workspaceId, userId } = await this.rows(subject);
    const decision = await this.service.reserve({
      jobId: key,
      workspaceId,
      userId,
      now: new Date(now),
    });
    if (decision.ok) return { ok: true };
    const { scope, period, limit, granted, resetsAt } = decision;
    return { ok: false, scope, period, limit: limit + granted, resetsAt: resetsAt.getTime() };
  }

  commit(key: string): Promise<void> {
    return this.service.commit(key);
  }

  /** A key already refunded, or never reserved, is ignored (the port's contract). */
  async refund(key: string): Promise<void> {
    try {
      await this.service.refund(key);
    } catch (error) {
      if (!(error instanceof QuotaStateError) || /already committed/.test(error.message)) {
        throw error;
      }
    }
  }

  async status(subject: QuotaSubject, now: number): Promise<QuotaStatus> {
    const { workspaceId, userId } = await this.rows(subject);
    const at = new Date(now);
    const { limits, usage } = await this.service.status(workspaceId, userId, at);
    const windows = (scope: keyof Usage) =>
      Object.fromEntries(
        PERIODS.map((period): [string, QuotaWindow] => {
          const limit = limits[scope][period];
          return [
            period,
            {
              used: usage[scope][period].used,
              // The base limit; grants are reported apart (`granted`).
              limit: limit === 'unlimited' ? null : limit,
              resetsAt: periodEnd(period, at).getTime(),
            },
          ];
        }),
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
        const data = { [column]: limitToDb(change.limit ?? 'unlimited') };
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
      case 'reset': {
        const resetAt = new Date(now);
        if (userId) {
          await this.db.userQuotaPolicy.upsert({
            where: { userId },
            create: { userId, resetAt },
            update: { resetAt },
          });
        } else {
          await this.db.workspaceQuotaPolicy.upsert({
            where: { workspaceId },
            create: { workspaceId, resetAt },
            update: { resetAt },
          });
        }
        return;
      }
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

  private async rows(subject: QuotaSubject) {
    return {
      workspaceId: await this.subjects.workspaceId(subject.platform, subject.workspaceId),
      userId: await this.subjects.userId(subject.platform, subject.workspaceId, subject.userId),
    };
  }
}
