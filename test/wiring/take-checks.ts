// Checks the re-take tests share: a video's first take in the database, and the one job a take ran.
import assert from 'node:assert/strict';
import type { Db } from '../../src/db/client.js';

/** The generation of the first take of `prompt` (takes are `<id>-t<n>`). */
export function firstTake(db: Db, prompt: string) {
  return db.generation.findFirstOrThrow({
    where: { prompt, id: { not: { contains: '-t' } } },
    orderBy: { createdAt: 'asc' },
  });
}

/** Take `take` of the video `firstId` ran exactly one job: `animation-<id>-t<n>`. */
export async function assertOneTakeJob(db: Db, firstId: string, take: number): Promise<void> {
  const jobs = await db.jobRecord.findMany({ where: { generationId: `${firstId}-t${take}` } });
  assert.deepEqual(
    jobs.map((job) => job.jobId),
    [`animation-${firstId}-t${take}`],
  );
}
