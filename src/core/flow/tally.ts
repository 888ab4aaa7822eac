// Counting a round's votes and deciding it.
import type { Choice, RoundState, Tally } from './types.js';

export function tallyRound(round: RoundState): Tally {
  const tally: Tally = { candidates: [0, 0, 0, 0], regenerate: 0, vary: 0, voters: 0 };
  for (const vote of Object.values(round.votes)) {
    tally.voters++;
    if (vote.choice === 'regenerate') tally.regenerate++;
    else if (vote.choice === 'vary') tally.vary++;
    else tally.candidates[vote.choice - 1]++;
  }
  return tally;
}

/** More than half of the voters asked for new frames. */
export function regenerateHasMajority(tally: Tally): boolean {
  return tally.voters > 0 && tally.regenerate * 2 > tally.voters;
}

/** More than half of the voters asked for variations (🔀). */
export function varyHasMajority(tally: Tally): boolean {
  return tally.voters > 0 && tally.vary * 2 > tally.voters;
}

/** The candidate 🔀 varies: the most votes now, the lowest number among equals. With no frame
 * vote left (each voter's 🔀 replaced their own), the frame the earliest 🔀 was cast for;
 * undefined when there is neither. */
export function candidateToVary(round: RoundState): number | undefined {
  const { candidates } = tallyRound(round);
  const most = Math.max(...candidates);
  if (most > 0) return candidates.indexOf(most) + 1;
  const asks = Object.values(round.votes).filter((vote) => vote.of !== undefined);
  return asks.sort((a, b) => a.seq - b.seq)[0]?.of;
}

/**
 * The winning candidate (1–4), or undefined when nobody voted for a candidate. Ties go to the
 * candidate that reached the winning count first: the one whose latest current vote is oldest.
 */
export function leadingCandidate(round: RoundState): number | undefined {
  const reachedAt = new Map<Choice, number>();
  const counts = new Map<Choice, number>();
  for (const vote of Object.values(round.votes)) {
    if (vote.choice === 'regenerate' || vote.choice === 'vary') continue;
    counts.set(vote.choice, (counts.get(vote.choice) ?? 0) + 1);
    reachedAt.set(vote.choice, Math.max(reachedAt.get(vote.choice) ?? -Infinity, vote.seq));
  }
  let best: { candidate: number; count: number; reachedAt: number } | undefined;
  for (const [choice, count] of counts) {
    const at = reachedAt.get(choice) as number;
    if (!best || count > best.count || (count === best.count && at < best.reachedAt)) {
      best = { candidate: choice as number, count, reachedAt: at };
    }
  }
  return best?.candidate;
}
