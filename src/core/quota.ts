// Quota rules, pure: which limits apply, how much of them is used, and whether one more
// generation fits. Periods are calendar days and months in UTC.

export type Limit = number | 'unlimited';
export type Period = 'daily' | 'monthly';
export type Scope = 'user' | 'workspace';
export const PERIODS: readonly Period[] = ['daily', 'monthly'];

export interface Limits {
  user: Record<Period, Limit>;
  workspace: Record<Period, Limit>;
}

/** Stored policy limits: null = inherit, -1 = unlimited (see prisma/models.prisma). */
export interface StoredLimits {
  dailyLimit: number | null;
  monthlyLimit: number | null;
}
export interface StoredWorkspacePolicy extends StoredLimits {
  userDailyLimit: number | null;
  userMonthlyLimit: number | null;
}

export const UNLIMITED_IN_DB = -1;

export function limitFromDb(value: number | null | undefined): Limit | undefined {
  if (value === null || value === undefined) return undefined;
  return value === UNLIMITED_IN_DB ? 'unlimited' : value;
}

export function limitToDb(limit: Limit | null): number | null {
  return limit === null ? null : limit === 'unlimited' ? UNLIMITED_IN_DB : limit;
}

/** A user's own policy wins, then the workspace's default for members, then the defaults. */
export function resolveLimits(
  defaults: Limits,
  workspace?: StoredWorkspacePolicy | null,
  user?: StoredLimits | null,
): Limits {
  return {
    user: {
      daily:
        limitFromDb(user?.dailyLimit) ??
        limitFromDb(workspace?.userDailyLimit) ??
        defaults.user.daily,
      monthly:
        limitFromDb(user?.monthlyLimit) ??
        limitFromDb(workspace?.userMonthlyLimit) ??
        defaults.user.monthly,
    },
    workspace: {
      daily: limitFromDb(workspace?.dailyLimit) ?? defaults.workspace.daily,
      monthly: limitFromDb(workspace?.monthlyLimit) ?? defaults.workspace.monthly,
    },
  };
}

export function periodStart(period: Period, now: Date): Date {
  return period === 'daily'
    ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export function periodEnd(period: Period, now: Date): Date {
  return period === 'daily'
    ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1))
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

/** Usage counts from this time on: the period's start, or a later admin reset. */
export function countingSince(period: Period, now: Date, resetAt?: Date | null): Date {
  const start = periodStart(period, now);
  return resetAt && resetAt > start ? resetAt : start;
}

/** A ledger entry as the rules see it (refunded job entries are left out by the caller). */
export interface LedgerItem {
  kind: 'job' | 'grant';
  amount: number;
  createdAt: Date;
}

export interface PeriodUsage {
  /** Generations charged (reserved or committed). */
  used: number;
  /** Extra allowance granted by admins in the period. */
  granted: number;
}

export function usageSince(items: readonly LedgerItem[], since: Date): PeriodUsage {
  const usage = { used: 0, granted: 0 };
  for (const item of items) {
    if (item.createdAt < since) continue;
    if (item.kind === 'job') usage.used += item.amount;
    else usage.granted += item.amount;
  }
  return usage;
}

export type Usage = Record<Scope, Record<Period, PeriodUsage>>;

export type QuotaDecision =
  | { ok: true }
  | {
      ok: false;
      scope: Scope;
      period: Period;
      limit: number;
      used: number;
      granted: number;
      resetsAt: Date;
    };

/** Whether `amount` more generations fit every limit; the first one exceeded is reported. */
export function decide(limits: Limits, usage: Usage, now: Date, amount = 1): QuotaDecision {
  for (const scope of ['user', 'workspace'] as const) {
    for (const period of PERIODS) {
      const limit = limits[scope][period];
      if (limit === 'unlimited') continue;
      const { used, granted } = usage[scope][period];
      if (used + amount > limit + granted) {
        return { ok: false, scope, period, limit, used, granted, resetsAt: periodEnd(period, now) };
      }
    }
  }
  return { ok: true };
}

/** A sentence for the person who asked, e.g. in a chat reply. */
export function describeDenial(decision: Extract<QuotaDecision, { ok: false }>): string {
  const whose = decision.scope === 'user' ? 'Your' : "This workspace's";
  const period = decision.period === 'daily' ? 'daily' : 'monthly';
  const allowance = decision.limit + decision.granted;
  return (
    `${whose} ${period} quota is used up (${decision.used} of ${allowance}). ` +
    `It resets at ${decision.resetsAt.toISOString().replace('.000Z', 'Z')}.`
  );
}
