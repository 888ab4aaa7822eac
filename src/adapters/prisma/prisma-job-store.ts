// The queue's JobStore port (src/queue/job-store.ts) on Prisma: one JobRecord row per job
// holds its result or final failure, written once; progress goes on the Generation row;
// quota settles through the bot's own QuotaStore (prisma-quota.ts), idempotent by key.
import { isUniqueViolation, type Db } from '../../db/index.js';
import type { JobProgress } from '../../queue/engine-port.js';
import type { JobRef, JobStore } from '../../queue/job-store.js';
import type { JobResult } from '../../queue/payloads.js';
import type { PrismaQuotaStore } from './prisma-quota.js';

export class PrismaJobStore implements JobStore {
  constructor(
    private readonly db: Db,
    private readonly quota: Pick<PrismaQuotaStore, 'commit' | 'refund'>,
  ) {}

  async findResult(job: JobRef): Promise<JobResult | undefined> {
    const row = await this.db.jobRecord.findUnique({ where: { jobId: job.jobId } });
    return row?.result ? (JSON.parse(row.result) as JobResult) : undefined;
  }

  async markProgress(job: JobRef, progress: JobProgress): Promise<void> {
    // updateMany: a job whose generation row is not there (yet) changes nothing.
    await this.db.generation.updateMany({
      where: { id: job.generationId },
      data: {
        progressStage: progress.stage,
        progressStep: progress.step,
        progressTotal: progress.total,
      },
    });
  }

  async recordResult(job: JobRef, result: JobResult): Promise<boolean> {
    const data = { result: JSON.stringify(result), error: null };
    try {
      await this.db.jobRecord.create({ data: { ...this.identity(job), ...data } });
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    // A row exists (maybe a failure from an earlier attempt): fill it only if it has no result.
    const { count } = await this.db.jobRecord.updateMany({
      where: { jobId: job.jobId, result: null },
      data,
    });
    return count === 1;
  }

  async markFailed(job: JobRef, reason: string): Promise<void> {
    await this.db.jobRecord.upsert({
      where: { jobId: job.jobId },
      create: { ...this.identity(job), error: reason },
      update: { error: reason },
    });
  }

  commitQuota(key: string): Promise<void> {
    return this.quota.commit(key);
  }

  refundQuota(key: string): Promise<void> {
    return this.quota.refund(key);
  }

  private identity(job: JobRef) {
    return {
      jobId: job.jobId,
      kind: job.kind,
      generationId: job.generationId,
      round: job.round ?? null,
    };
  }
}
