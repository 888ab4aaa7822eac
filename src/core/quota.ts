// Quota rules, pure: which limits apply, how much of them is used, and whether one more
// generation fits. Periods are calendar days and months in UTC.

/** A number of generations per period; null = unlimited. */
export type Limit = number | null;
export type Period = 'daily' | 'monthly';
export type Scope = 'user' | 'workspace';
export const PERIODS: readonly Period[] = ['daily', 'monthly'];

export interface Limits {
  user: Record<Period, Limit>;
  workspace: Record<Period, Limit>;
}

/** The limits when no admin has set any: the QUOTA_* settings. */
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

/** Limits an admin set; a period that is missing (undefined) inherits. */
export type Policy = Partial<Record<Period, Limit>>;

export interface Policies {
  /** The user's own. */
  user?: Policy | undefined;
  /** The workspace's default for each of its members. */
  member?: Policy | undefined;
  /** The whole workspace's. */
  workspace?: Policy | undefined;
}

/** A user's own policy wins, then the workspace's default for members, then the defaults. */
export function resolveLimits(defaults: Limits, policies: Policies): Limits {
  const resolve = (fallback: Record<Period, Limit>, ...layers: (Policy | undefined)[]) =>
    Object.fromEntries(
      PERIODS.map((period) => {
        const set = layers.map((layer) => layer?.[period]).find((limit) => limit !== undefined);
        return [period, set === undefined ? fallback[period] : set];
      }),
    ) as Record<Period, Limit>;
  return {
    user: resolve(defaults.user, policies.user, policies.member),
    workspace: resolve(defaults.workspace, policies.workspace),
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

/** Usage in each period, each counted from its start or from the later reset. */
export function usageByPeriod(
  items: readonly LedgerItem[],
  now: Date,
  resetAt?: Date | null,
): Record<Period, PeriodUsage> {
  return Object.fromEntries(
    PERIODS.map((period) => [period, usageSince(items, countingSince(period, now, resetAt))]),
  ) as Record<Period, PeriodUsage>;
}

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

/** Generations a window still allows: its limit plus grants, less what was used; null = unlimited. */
export function generationsLeft(limit: Limit, used: number, granted: number): number | null {
  return limit === null ? null : Math.max(0, limit + granted - used);
}

/** Whether one more generation fits every limit; the first one exceeded is reported. */
export function decide(limits: Limits, usage: Usage, now: Date): QuotaDecision {
  for (const scope of ['user', 'workspace'] as const) {
    for (const period of PERIODS) {
      const limit = limits[scope][period];
      if (limit === null) continue;
      const { used, granted } = usage[scope][period];
      if (generationsLeft(limit, used, granted) === 0) {
        return { ok: false, scope, period, limit, used, granted, resetsAt: periodEnd(period, now) };
      }
    }
  }
  return { ok: true };
}
