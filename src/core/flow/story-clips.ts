// A story's clips as its messages list them: each clip's caption, seed and who chose it.
import type { GenerationState, Person, StoryClip } from './types.js';

/** Who voted for the candidate that won (names, in the order they voted). */
export function chosenVoters(state: GenerationState): string[] {
  const chosen = state.chosen;
  const round = chosen && state.rounds.find((r) => r.number === chosen.round);
  if (!round) return [];
  return Object.values(round.votes)
    .filter((vote) => vote.choice === chosen.candidate)
    .sort((a, b) => a.seq - b.seq)
    .map((vote) => vote.name)
    .filter((name): name is string => name !== undefined);
}

/** This generation's own clip of its story (the last one of its video). */
export function ownClip(state: GenerationState): StoryClip {
  return {
    generationId: state.id,
    caption: state.settings.prompt,
    seed: state.chosen?.seed ?? state.settings.seed,
    voters: chosenVoters(state),
  };
}

/** Every clip of the story this finished video ends, the first first. */
export function storyClips(state: GenerationState): StoryClip[] {
  return [...(state.story?.clips ?? []), ownClip(state)];
}

/** Who made the story's first video. */
export function storyOwner(state: GenerationState): Person {
  return state.story?.owner ?? state.retake?.firstRequester ?? state.requester;
}
