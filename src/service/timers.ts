// Vote deadlines in this process, on the Clock: for tests (a hand-moved clock) and the
// playground, where one process is the whole deployment. The product uses BullMQ delayed jobs
// instead (src/queue/timer-queue.ts), which fire once across processes and restarts.
import type { Clock, FlowTimers } from './ports.js';

export class ClockTimers implements FlowTimers {
  /** Cancel functions by `<generationId> <round>`. */
  private readonly pending = new Map<string, () => void>();
  private fire: ((generationId: string, round: number) => Promise<void>) | undefined;

  constructor(private readonly clock: Clock) {}

  set(generationId: string, round: number, at: number): Promise<void> {
    const key = `${generationId} ${round}`;
    this.pending.get(key)?.();
    const cancel = this.clock.setTimer(at, () => {
      this.pending.delete(key);
      void this.fire?.(generationId, round);
    });
    this.pending.set(key, cancel);
    return Promise.resolve();
  }

  cancel(generationId: string, round: number): Promise<void> {
    const key = `${generationId} ${round}`;
    this.pending.get(key)?.();
    this.pending.delete(key);
    return Promise.resolve();
  }

  start(fire: (generationId: string, round: number) => Promise<void>): Promise<void> {
    this.fire = fire;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
    this.fire = undefined;
    return Promise.resolve();
  }
}
