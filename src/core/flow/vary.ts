// `/video vary <n>`: the requester's 🔀 for a frame they name. The service checks it first (so
// it can answer the command itself), the reducer again when the event arrives.
import { text } from './text.js';
import type { FlowConfig, GenerationState, Person } from './types.js';

/** Why `user` cannot have variations of a frame of `state`'s open round now (if not). */
export function varyProblem(
  state: GenerationState,
  user: Person,
  config: Pick<FlowConfig, 'maxRounds'>,
): string | undefined {
  const round = state.rounds.at(-1);
  if (state.phase !== 'voting' || !round || round.closesAt === undefined) return text.noOpenVote();
  if (state.story) return text.noVariationsOfContinuations();
  if (user.id !== state.requester.id) return text.onlyRequesterVaries(state);
  if (round.number >= config.maxRounds) return text.noMoreRounds(config.maxRounds);
  return undefined;
}
