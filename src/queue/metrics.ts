// Queue metrics in the Prometheus text format. Depth per state comes from BullMQ; job durations
// and failures are counted by every worker into Redis hashes next to the queue's own keys, so
// the process serving /metrics sees the work of all workers on all machines.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Upper bounds (seconds) of the duration histogram's buckets. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** retried: an attempt failed and will be retried; input: bad input; exhausted: out of
 * attempts; stalled: its workers kept dying. */
export type FailureOutcome = 'retried' | 'input' | 'exhausted' | 'stalled';

const durationKey = (prefix: string, queue: string) => `${prefix}:${queue}:ff:duration`;
const failureKey = (prefix: string, queue: string) => `${prefix}:${queue}:ff:failures`;

export async function recordDuration(redis: Redis, prefix: string, queue: string, ms: number) {
  const seconds = Math.max(0, ms) / 1000;
  const bucket = DURATION_BUCKETS.find((bound) => seconds <= bound) ?? '+Inf';
  await redis
    .multi()
    .hincrby(durationKey(prefix, queue), `le:${bucket}`, 1)
    .hincrbyfloat(durationKey(prefix, queue), 'sum', seconds)
    .hincrby(durationKey(prefix, queue), 'count', 1)
    .exec();
}

export async function recordFailure(
  redis: Redis,
  prefix: string,
  queue: string,
  outcome: FailureOutcome,
) {
  await redis.hincrby(failureKey(prefix, queue), outcome, 1);
}

const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed', 'paused'];
const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** The whole /metrics page for these queues. */
export async function renderMetrics(redis: Redis, prefix: string, queues: Queue[]) {
  const depth = ['# HELP firstframe_queue_jobs Jobs in each queue by state.'];
  depth.push('# TYPE firstframe_queue_jobs gauge');
  const durations = ['# HELP firstframe_job_duration_seconds Time from start to completion.'];
  durations.push('# TYPE firstframe_job_duration_seconds histogram');
  const failures = ['# HELP firstframe_job_failures_total Failed job attempts by outcome.'];
  failures.push('# TYPE firstframe_job_failures_total counter');

  for (const queue of queues) {
    const q = `queue="${label(queue.name)}"`;
    const counts = await queue.getJobCounts(...(STATES as Parameters<Queue['getJobCounts']>));
    for (const state of STATES)
      depth.push(`firstframe_queue_jobs{${q},state="${state}"} ${counts[state] ?? 0}`);

    const histogram = await redis.hgetall(durationKey(prefix, queue.name));
    let cumulative = 0;
    for (const bound of [...DURATION_BUCKETS, '+Inf']) {
      cumulative += Number(histogram[`le:${bound}`] ?? 0);
      durations.push(`firstframe_job_duration_seconds_bucket{${q},le="${bound}"} ${cumulative}`);
    }
    durations.push(`firstframe_job_duration_seconds_sum{${q}} ${Number(histogram.sum ?? 0)}`);
    durations.push(`firstframe_job_duration_seconds_count{${q}} ${Number(histogram.count ?? 0)}`);

    const failed = await redis.hgetall(failureKey(prefix, queue.name));
    for (const outcome of ['retried', 'input', 'exhausted', 'stalled'] satisfies FailureOutcome[]) {
      failures.push(
        `firstframe_job_failures_total{${q},outcome="${outcome}"} ${Number(failed[outcome] ?? 0)}`,
      );
    }
  }
  return [...depth, ...durations, ...failures].join('\n') + '\n';
}
