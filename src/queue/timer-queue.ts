// Vote deadlines as BullMQ delayed jobs, for the product's bot processes: a deadline is one job
// whose id derives from the generation and round (`deadlineJobId`), so setting it again (another
// process, a restart resuming the generation) adds nothing, and it fires once in the whole
// deployment. Any bot process's worker on this queue may take it and feed the timer event to
// the flow (which saves by compare-and-set); if that process dies while handling it, BullMQ's
// stalled-job check hands the job to another one. Tests and the playground keep timers in
// their process instead (src/service/timers.ts).
import { Queue, Worker } from 'bullmq';
import type { Logger } from '../log.js';
import type { FlowTimers } from '../service/ports.js';
import type { RedisConnection } from './queue-worker.js';

/** The queue's name under QUEUE_PREFIX (next to the job queues, src/queue/queue-names.ts). */
export const TIMER_QUEUE_NAME = 'flow-timers';

/** One deadline per generation and round (BullMQ refuses `:` in custom ids). */
export const deadlineJobId = (generationId: string, round: number) =>
  `deadline-${generationId}-r${round}`;

/**
 * A fired deadline stays in Redis this long, so its id stays taken and a late `set` of the same
 * deadline (a process that resumes an old state) does not fire it again.
 */
const KEEP_FIRED_SECONDS = 7 * 24 * 3600;

interface DeadlineData {
  generationId: string;
  round: number;
  /** The absolute deadline (ms since epoch). */
  at: number;
}

export interface TimerQueueOptions {
  connection: RedisConnection;
  /** BullMQ key prefix (QUEUE_PREFIX); tests use one of their own. */
  prefix: string;
  log?: Logger;
  /** Deadlines handled at once by this process. Default 8. */
  concurrency?: number;
  /** How long a process may hold a deadline job before another takes it over. Default 30 s. */
  lockDurationMs?: number;
}

export class TimerQueue implements FlowTimers {
  /** The deadlines' BullMQ queue (shown on the queue dashboard). */
  readonly queue: Queue<DeadlineData>;
  private worker: Worker<DeadlineData> | undefined;

  constructor(private readonly options: TimerQueueOptions) {
    // Offline queue off, as the job producer's: while Redis is away a set or cancel fails at
    // once (logged by the runner) instead of holding the generation's events until it is back.
    this.queue = new Queue<DeadlineData>(TIMER_QUEUE_NAME, {
      connection: { ...options.connection, enableOfflineQueue: false },
      prefix: options.prefix,
    });
    this.queue.on('error', (error) => options.log?.warn({ err: error }, 'timer queue connection'));
  }

  async set(generationId: string, round: number, at: number): Promise<void> {
    await this.queue.add(
      'deadline',
      { generationId, round, at },
      {
        jobId: deadlineJobId(generationId, round),
        delay: Math.max(0, at - Date.now()),
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: KEEP_FIRED_SECONDS },
        removeOnFail: { age: KEEP_FIRED_SECONDS },
      },
    );
  }

  async cancel(generationId: string, round: number): Promise<void> {
    // A deadline being handled right now is locked and stays: the flow ignores it (the round
    // is closed), as it would a deadline that fired before the round closed.
    await this.queue.remove(deadlineJobId(generationId, round)).catch((error: unknown) => {
      this.options.log?.debug({ err: error, generationId, round }, 'deadline not removed');
    });
  }

  async start(fire: (generationId: string, round: number) => Promise<void>): Promise<void> {
    const { log } = this.options;
    this.worker = new Worker<DeadlineData>(
      TIMER_QUEUE_NAME,
      async (job) => {
        const { generationId, round, at } = job.data;
        // Another machine's clock may be behind the one that set it: the flow takes a
        // deadline only once it has passed, so wait for it here rather than drop it.
        const early = at - Date.now();
        if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
        await fire(generationId, round);
      },
      {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency ?? 8,
        lockDuration: this.options.lockDurationMs ?? 30_000,
      },
    );
    this.worker.on('error', (error) => log?.warn({ err: error }, 'timer worker error'));
    this.worker.on('failed', (job, error) =>
      log?.warn({ err: error, jobId: job?.id }, 'deadline not handled'),
    );
    await this.worker.waitUntilReady();
  }

  /** Stops taking deadlines (the ones set stay in Redis for the other processes). */
  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  /** Closes the connection `set` and `cancel` use; after `stop`, when the flow has stopped. */
  async close(): Promise<void> {
    await this.stop();
    await this.queue.close();
  }
}
