// What the queue writes to the database. The Prisma implementation lives in src/db; tests use
// a small SQLite one. Every write is idempotent by job id / quota key, because a job can be
// delivered again after a crash (and, rarely, run twice at once after a stall).
import type { JobProgress } from './engine-port.js';
import type { JobKind } from '../core/contract.js';
import type { JobResult } from './payloads.js';

/** Which job a write is about. */
export interface JobRef {
  jobId: string;
  kind: JobKind;
  generationId: string;
  /** First-frame round, for candidates jobs. */
  round?: number;
}

export interface JobStore {
  /** The result already recorded for this job, if any (a redelivery then skips the engine). */
  findResult(job: JobRef): Promise<JobResult | undefined>;
  /** Called a few times per second at most while the job runs. */
  markProgress(job: JobRef, progress: JobProgress): Promise<void>;
  /** Records the result once: returns false and changes nothing when one already exists. */
  recordResult(job: JobRef, result: JobResult): Promise<boolean>;
  /** The job finally failed; `reason` is shown to the user. */
  markFailed(job: JobRef, reason: string): Promise<void>;
  /** Commit / refund the quota reservation made under `key`; repeating a call is a no-op. */
  commitQuota(key: string): Promise<void>;
  refundQuota(key: string): Promise<void>;
}
