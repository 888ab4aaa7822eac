// A clock the test moves by hand: timers fire when `advance` passes their time.
import type { Clock } from '../../src/service/ports.js';

export class ManualClock implements Clock {
  private timers: { at: number; callback: () => void }[] = [];

  constructor(private current = Date.UTC(2026, 10, 26, 12, 0, 0)) {}

  now(): number {
    return this.current;
  }

  setTimer(at: number, callback: () => void): () => void {
    const timer = { at, callback };
    this.timers.push(timer);
    if (at <= this.current) queueMicrotask(() => this.fire());
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  advance(ms: number): void {
    this.current += ms;
    this.fire();
  }

  get pending(): number {
    return this.timers.length;
  }

  private fire(): void {
    const due = this.timers.filter((timer) => timer.at <= this.current);
    this.timers = this.timers.filter((timer) => timer.at > this.current);
    for (const timer of due) timer.callback();
  }
}

/** Polls until the check passes (returns its value) or the time is up. */
export async function waitFor<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
