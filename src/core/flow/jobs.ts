// The jobs a generation asks the queue for, derived from its state (ids, seeds and quota keys
// come from the request contract, core/contract.ts).
import type { FlowJob, GenerationState, JobBase, RoundState, VideoSettings } from './types.js';

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
    ...(round.variationOf
      ? { init: { imagePath: round.variationOf.imagePath, strength: round.variationOf.strength } }
      : {}),
    ...(state.story ? { continueFrom: { videoPath: state.story.base.mp4 } } : {}),
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
    ...(state.settings.fps === undefined ? {} : { fps: state.settings.fps }),
  };
}
