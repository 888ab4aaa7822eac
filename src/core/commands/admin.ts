// `/quota` for everyone, and the admin forms:
//   /quota set <@user|workspace> <daily|monthly> <N|unlimited>
//   /quota grant <@user> <N>
//   /quota reset <@user|workspace>
// Users are named the way the platform writes a mention: <@U123>, <@!123>, <@U123|name>, or
// @name (the web playground, where the name is the id).
import type { Period } from '../quota.js';
import type { Command, QuotaTarget } from './types.js';

export const QUOTA_USAGE =
  'Usage: /quota (your usage and limits); admins: /quota set <@user|workspace> <daily|monthly> <N|unlimited>, ' +
  '/quota grant <@user> <N>, /quota reset <@user|workspace>';

const MAX_LIMIT = 1_000_000;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseTarget(token: string | undefined): Parsed<QuotaTarget> {
  if (token === undefined) {
    return { ok: false, error: 'say whose quota: a user (@name) or "workspace"' };
  }
  if (/^(workspace|server|all)$/i.test(token)) return { ok: true, value: { kind: 'workspace' } };
  const mention = /^<@!?([A-Za-z0-9_.-]+)(\|[^>]*)?>$/.exec(token);
  if (mention) return { ok: true, value: { kind: 'user', userId: mention[1] as string } };
  const plain = /^@([\p{L}\p{N}_.-]+)$/u.exec(token);
  if (plain) return { ok: true, value: { kind: 'user', userId: plain[1] as string } };
  return {
    ok: false,
    error: `"${token}" is not a user or the workspace (write @name, a mention, or "workspace")`,
  };
}

function parseCount(token: string | undefined, what: string, min: number): Parsed<number> {
  if (
    token === undefined ||
    !/^\d+$/.test(token) ||
    Number(token) < min ||
    Number(token) > MAX_LIMIT
  ) {
    return {
      ok: false,
      error: `${what} must be a whole number from ${min} to ${MAX_LIMIT} (got ${token === undefined ? 'nothing' : `"${token}"`})`,
    };
  }
  return { ok: true, value: Number(token) };
}

function tooMany(args: readonly string[], expected: number, usage: string): string | undefined {
  return args.length > expected
    ? `unexpected "${args.slice(expected).join(' ')}". ${usage}`
    : undefined;
}

export function parseQuotaArgs(args: readonly string[]): Parsed<Command> {
  const [action, ...rest] = args;
  if (action === undefined) return { ok: true, value: { kind: 'quota-show' } };
  switch (action.toLowerCase()) {
    case 'set': {
      const usage = 'Usage: /quota set <@user|workspace> <daily|monthly> <N|unlimited>';
      const target = parseTarget(rest[0]);
      if (!target.ok) return { ok: false, error: `${target.error}. ${usage}` };
      const period = rest[1]?.toLowerCase();
      if (period !== 'daily' && period !== 'monthly') {
        return {
          ok: false,
          error: `the period must be "daily" or "monthly" (got ${rest[1] === undefined ? 'nothing' : `"${rest[1]}"`}). ${usage}`,
        };
      }
      let limit: number | null = null;
      if (rest[2]?.toLowerCase() !== 'unlimited') {
        const count = parseCount(rest[2], 'the limit', 0);
        if (!count.ok) return { ok: false, error: `${count.error}, or "unlimited". ${usage}` };
        limit = count.value;
      }
      const extra = tooMany(rest, 3, usage);
      if (extra) return { ok: false, error: extra };
      return {
        ok: true,
        value: {
          kind: 'quota-admin',
          change: { action: 'set', target: target.value, period: period as Period, limit },
        },
      };
    }
    case 'grant': {
      const usage = 'Usage: /quota grant <@user> <N>';
      const target = parseTarget(rest[0]);
      if (!target.ok) return { ok: false, error: `${target.error}. ${usage}` };
      if (target.value.kind !== 'user') {
        return { ok: false, error: `grants are for one user, not the workspace. ${usage}` };
      }
      const amount = parseCount(rest[1], 'the number of extra videos', 1);
      if (!amount.ok) return { ok: false, error: `${amount.error}. ${usage}` };
      const extra = tooMany(rest, 2, usage);
      if (extra) return { ok: false, error: extra };
      return {
        ok: true,
        value: {
          kind: 'quota-admin',
          change: { action: 'grant', target: target.value, amount: amount.value },
        },
      };
    }
    case 'reset': {
      const usage = 'Usage: /quota reset <@user|workspace>';
      const target = parseTarget(rest[0]);
      if (!target.ok) return { ok: false, error: `${target.error}. ${usage}` };
      const extra = tooMany(rest, 1, usage);
      if (extra) return { ok: false, error: extra };
      return {
        ok: true,
        value: { kind: 'quota-admin', change: { action: 'reset', target: target.value } },
      };
    }
    default:
      return {
        ok: false,
        error: `unknown /quota action "${action}" (allowed: set, grant, reset). ${QUOTA_USAGE}`,
      };
  }
}
