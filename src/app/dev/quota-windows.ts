// Calendar windows for the demo quota store: UTC days and months.
import type { QuotaPeriod } from '../../core/commands/types.js';

export function windowOf(period: QuotaPeriod, now: number): { start: number; end: number } {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (period === 'daily') {
    const start = Date.UTC(year, month, date.getUTCDate());
    return { start, end: start + 86_400_000 };
  }
  return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
}
