// Replies to /history, /quota, /info, /queue and quota refusals, as plain text.
import type { QuotaChange } from '../core/commands/types.js';
import { count } from '../core/plural.js';
import { generationsLeft, type Period } from '../core/quota.js';
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

/** "about 20 s", "about 3 min": an ETA, never less than a second. */
export function aboutDuration(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 90 ? `about ${seconds} s` : `about ${Math.round(seconds / 60)} min`;
}

/** Videos left in a period: the user's limit plus their grants, and the workspace's; null = unlimited. */
function leftIn(status: QuotaStatus, period: Period): number | null {
  const left = (window: QuotaWindow, granted: number) =>
    generationsLeft(window.limit, window.used, granted) ?? Infinity;
  const n = Math.min(left(status.user[period], status.granted), left(status.workspace[period], 0));
  return n === Infinity ? null : n;
}

export interface InfoJob {
  prompt: string;
  state: 'waiting' | 'active';
  position?: number;
  /** Until the job is done; undefined when no job finished recently. */
  etaMs?: number;
}

export interface InfoRound {
  prompt: string;
  requesterName: string;
  phase: string;
  round: number;
  /** Set while its vote is open. */
  closesAt?: number;
}

/** The answer to `/info`: your jobs in the queue, your quota left, the open rounds here. */
export function infoReport(info: {
  who: string;
  jobs: InfoJob[];
  quota: QuotaStatus;
  rounds: InfoRound[];
}): string {
  const lines = [`Info for ${info.who}:`];
  if (info.jobs.length === 0) lines.push('• your jobs: none queued or running');
  for (const job of info.jobs) {
    const eta = job.etaMs === undefined ? '' : `, done in ${aboutDuration(job.etaMs)}`;
    const where =
      job.state === 'active' ? 'running' : `queued, position ${job.position ?? '?'} in the queue`;
    lines.push(`• "${job.prompt}": ${where}${eta}`);
  }
  const left = (period: Period, label: string) => {
    const n = leftIn(info.quota, period);
    const window = info.quota.user[period];
    return n === null
      ? `${label} unlimited`
      : `${label} ${count(n, 'video')} left (resets ${formatTime(window.resetsAt)})`;
  };
  lines.push(`• quota: ${left('daily', 'today')}; ${left('monthly', 'this month')}`);
  if (info.rounds.length === 0) lines.push('• open rounds here: none');
  else lines.push(`• open rounds here (${info.rounds.length}):`);
  for (const round of info.rounds) {
    const state =
      round.closesAt === undefined ? round.phase : `voting closes ${formatTime(round.closesAt)}`;
    lines.push(`  – "${round.prompt}" by ${round.requesterName}: round ${round.round}, ${state}`);
  }
  return lines.join('\n');
}
