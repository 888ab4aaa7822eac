// The messages the flow posts and waits on (the grid of a round, the video), built from the
// state so a restart can post them again.
import { text, voteClosingTime } from './text.js';
import type { FlowConfig, FlowEffect, GenerationState, RoundState } from './types.js';

export const roundKey = (round: number) => `round:${round}`;

export function replyTo(state: GenerationState): { replyTo?: string } {
  return state.requestMessageId ? { replyTo: state.requestMessageId } : {};
}

export function postGrid(
  state: GenerationState,
  round: RoundState,
  config: FlowConfig,
): FlowEffect {
  return {
    type: 'post',
    key: roundKey(round.number),
    message: {
      text: text.voteOpen(state, round, config.voteWindowMs),
      // A story round's grid is an animated GIF preview of the four continuations: still the
      // picture people vote on ('gif' attachments are optional extras a platform may drop).
      attachments: [{ path: round.grid as string, kind: 'image' }],
      ...replyTo(state),
    },
  };
}

/**
 * The grid's text again once its window has started, with the closing time for platforms that
 * show times their own way (the post itself went out before the window started).
 */
export function showClosingTime(
  state: GenerationState,
  round: RoundState,
  config: FlowConfig,
): FlowEffect {
  const time = voteClosingTime(round, config.voteWindowMs);
  return {
    type: 'edit',
    key: roundKey(round.number),
    text: text.voteOpen(state, round, config.voteWindowMs),
    ...(time ? { time } : {}),
  };
}

export function postResult(state: GenerationState): FlowEffect {
  const result = state.result as NonNullable<GenerationState['result']>;
  return {
    type: 'post',
    key: 'result',
    message: {
      text: text.result(state),
      attachments: [
        { path: result.mp4, kind: 'video' },
        ...(result.gif ? [{ path: result.gif, kind: 'gif' as const }] : []),
      ],
      ...replyTo(state),
    },
  };
}
