// Votes on a round: one per user (a new reaction replaces the old vote), removable, tallied
// by the rules in src/core/votes.ts.
import { isValidChoice, type Tally, tally } from '../core/votes.js';
import type { Db } from './client.js';

export class VoteError extends Error {
  override name = 'VoteError';
}

export type VoteOutcome = 'created' | 'replaced' | 'unchanged';

export async function castVote(
  db: Db,
  vote: { roundId: string; userId: string; choice: number },
): Promise<VoteOutcome> {
  if (!isValidChoice(vote.choice)) {
    throw new VoteError(`choice ${vote.choice}: expected 1-4 (a candidate) or 0 (regenerate)`);
  }
  return db.$transaction(async (tx) => {
    const round = await tx.round.findUnique({ where: { id: vote.roundId } });
    if (!round) throw new VoteError(`round ${vote.roundId} does not exist`);
    if (round.status !== 'open') throw new VoteError(`round ${round.number} is closed`);
    const key = { roundId_userId: { roundId: vote.roundId, userId: vote.userId } };
    const existing = await tx.vote.findUnique({ where: key });
    if (existing?.choice === vote.choice) return 'unchanged';
    await tx.vote.upsert({
      where: key,
      create: { ...vote, castAt: new Date() },
      update: { choice: vote.choice, castAt: new Date() },
    });
    return existing ? 'replaced' : 'created';
  });
}

/**
 * Removes a user's vote. With `choice`, only when it is still that choice: taking back the
 * reaction for 2 after voting 3 leaves the vote for 3 alone.
 */
export async function removeVote(
  db: Db,
  vote: { roundId: string; userId: string; choice?: number },
): Promise<boolean> {
  const { count } = await db.vote.deleteMany({
    where: {
      roundId: vote.roundId,
      userId: vote.userId,
      ...(vote.choice === undefined ? {} : { choice: vote.choice }),
    },
  });
  return count === 1;
}

export async function tallyRound(db: Db, roundId: string): Promise<Tally> {
  const votes = await db.vote.findMany({
    where: { roundId },
    select: { choice: true, castAt: true },
  });
  return tally(votes);
}
