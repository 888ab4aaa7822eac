// Voting rules, pure: one vote per user per round, choices 1-4 pick a candidate and 0 asks
// for a regenerate. The leader is the candidate with the most votes; a tie goes to the one
// that reached that count first.

export const REGENERATE = 0;
export const CANDIDATE_NUMBERS = [1, 2, 3, 4] as const;

export function isValidChoice(choice: number): boolean {
  return Number.isInteger(choice) && choice >= REGENERATE && choice <= CANDIDATE_NUMBERS.length;
}

export interface CastVote {
  choice: number;
  /** When the voter made this choice (a changed vote has the time of the change). */
  castAt: Date;
}

export interface Tally {
  /** Votes per candidate number 1-4 (0 when none). */
  candidates: Record<number, number>;
  regenerate: number;
  total: number;
  /** The leading candidate number, or undefined when no candidate has a vote. */
  leader: number | undefined;
}

export function tally(votes: readonly CastVote[]): Tally {
  const candidates: Record<number, number> = Object.fromEntries(
    CANDIDATE_NUMBERS.map((n) => [n, 0]),
  );
  // The time a candidate reached its current count is its latest vote's time.
  const reachedAt = new Map<number, number>();
  let regenerate = 0;
  for (const vote of votes) {
    if (vote.choice === REGENERATE) {
      regenerate += 1;
      continue;
    }
    candidates[vote.choice] = (candidates[vote.choice] ?? 0) + 1;
    reachedAt.set(vote.choice, Math.max(reachedAt.get(vote.choice) ?? 0, vote.castAt.getTime()));
  }
  let leader: number | undefined;
  for (const n of CANDIDATE_NUMBERS) {
    const count = candidates[n]!;
    if (count === 0) continue;
    const best = leader === undefined ? 0 : candidates[leader]!;
    if (count > best || (count === best && reachedAt.get(n)! < reachedAt.get(leader as number)!)) {
      leader = n;
    }
  }
  return { candidates, regenerate, total: votes.length, leader };
}
