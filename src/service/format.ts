// Replies to /history, /quota, /queue and quota refusals, as plain text.
import type { QuotaChange } from '../core/commands/types.js';
import { count } from '../core/plural.js';
import type { Period } from '../core/quota.js';
import type {
  HistoryPage,
  QueueOverview,
  QuotaDecision,
  QuotaStatus,
  QuotaWindow,
} from './ports.js';

/** "2026-11-27 00:00 UTC": unambiguous for everyone in the channel. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "daily limit of 1 video": the limit a refusal names (also for a round the flow refuses). */
export function limitPhrase(decision: Pick<Refused, 'period' | 'limit'>): string {
  const period = decision.period === 'daily' ? 'daily' : 'monthly';
  return `${period} limit of ${count(decision.limit, 'video')}`;
}

type Refused = Extract<QuotaDecision, { ok: false }>;

export function quotaRefusal(decision: Refused): string {
  const whose = decision.scope === 'user' ? 'Your' : "This workspace's";
  return (
    `Sorry, I can't do that: ${whose} ${limitPhrase(decision)} is used up. ` +
    `It resets at ${formatTime(decision.resetsAt)}.`
  );
}

function windowLine(label: string, window: QuotaWindow): string {
  const limit = window.limit === null ? 'unlimited' : `${window.used}/${window.limit} used`;
  const used = window.limit === null ? `${window.used} used, ` : '';
  return `${label}: ${used}${limit}, resets ${formatTime(window.resetsAt)}`;
}

export function quotaReport(status: QuotaStatus, who: string): string {
  const lines = [
    `Quota for ${who}:`,
    windowLine('• you, today', status.user.daily),
    windowLine('• you, this month', status.user.monthly),
    windowLine('• workspace, today', status.workspace.daily),
    windowLine('• workspace, this month', status.workspace.monthly),
  ];
  if (status.granted > 0) lines.push(`• extra videos granted: ${status.granted}`);
  return lines.join('\n');
}

export function describeQuotaChange(change: QuotaChange): string {
  const target = change.target.kind === 'workspace' ? 'the workspace' : `@${change.target.userId}`;
  switch (change.action) {
    case 'set': {
      const period: Period = change.period;
      return `${period} limit of ${target} set to ${change.limit ?? 'unlimited'}`;
    }
    case 'grant':
      return `${count(change.amount, 'extra video')} granted to ${target}`;
    case 'reset':
      return `usage of ${target} reset`;
  }
}

export function historyReport(page: HistoryPage, pageSize: number, scope: string): string {
  const pages = Math.max(1, Math.ceil(page.total / pageSize));
  if (page.items.length === 0) {
    return page.total === 0
      ? `No videos yet (${scope}). Make one with /video <prompt>.`
      : `Page ${page.page} is empty: there ${pages === 1 ? 'is' : 'are'} ${count(pages, 'page')}.`;
  }
  const lines = page.items.map((item) => {
    const seed = item.chosenSeed ?? item.seed;
    return `• ${formatTime(item.createdAt)} ${item.requesterName}: "${item.prompt}" (seed ${seed}, ${item.phase})`;
  });
  return [`Videos (${scope}), page ${page.page} of ${pages}:`, ...lines].join('\n');
}

export function queueReport(overview: QueueOverview, openVotes: number): string {
  return `Queue: ${overview.waiting} waiting, ${overview.active} running, ${overview.failed} failed; ${count(openVotes, 'vote')} open.`;
}
