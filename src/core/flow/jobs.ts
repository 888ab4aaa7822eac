// Job ids, seeds and job payloads, all derived from the generation, so a replayed event or a
// restart enqueues the same job id again (the queue treats that as the same job).
import { MAX_SEED } from '../commands/limits.js';
import type { FlowJob, GenerationState, JobBase, RoundState, VideoSettings } from './types.js';

export const CANDIDATES_PER_ROUND = 4;

/** Round n draws seeds base+4(n-1) … base+4(n-1)+3, wrapping below 2^31. */
export function seedsForRound(baseSeed: number, round: number): number[] {
  const first = baseSeed + (round - 1) * CANDIDATES_PER_ROUND;
  return Array.from({ length: CANDIDATES_PER_ROUND }, (_, i) => (first + i) % (MAX_SEED + 1));
}

export const candidatesJobId = (generationId: string, round: number) =>
  `${generationId}-frames-${round}`;
export const animationJobId = (generationId: string) => `${generationId}-animate`;

/** The quota reservation of the generation itself, and of each paid extra round. */
export const quotaKeyOf = (generationId: string, round = 1) =>
  round === 1 ? generationId : `${generationId}-round-${round}`;

/** The sampling options the requester chose; those left out are the model's defaults. */
export function chosenSampling(
  settings: VideoSettings,
): Pick<VideoSettings, 'steps' | 'guidance' | 'scheduler'> {
  const { steps, guidance, scheduler } = settings;
  return {
    ...(steps === undefined ? {} : { steps }),
    ...(guidance === undefined ? {} : { guidance }),
    ...(scheduler === undefined ? {} : { scheduler }),
  };
}

function jobBase(state: GenerationState, jobId: string): JobBase {
  const { prompt, negativePrompt } = state.settings;
  return {
    jobId,
    generationId: state.id,
    prompt,
    ...(negativePrompt ? { negativePrompt } : {}),
    ...chosenSampling(state.settings),
  };
}

export function candidatesJob(state: GenerationState, round: RoundState): FlowJob {
  return {
    ...jobBase(state, round.jobId),
    kind: 'candidates',
    round: round.number,
    seeds: round.seeds,
  };
}

export function animationJob(state: GenerationState): FlowJob {
  const chosen = state.chosen;
  if (!chosen || !state.animationJobId) throw new Error(`generation ${state.id} has no frame yet`);
  return {
    ...jobBase(state, state.animationJobId),
    kind: 'animation',
    imagePath: chosen.imagePath,
    seed: chosen.seed,
  };
}
