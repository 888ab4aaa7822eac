// Starting a generation and resuming one after a restart.
import { animationJobId, candidateSeeds, candidatesJobId, quotaKeyOf } from '../contract.js';
import { animationJob, candidatesJob } from './jobs.js';
import { postGrid, postResult } from './messages.js';
import { resumeRetake } from './retake.js';
import { text } from './text.js';
import { flowConfigOf } from './types.js';
import type {
  FlowConfig,
  FlowEffect,
  GenerationRequest,
  GenerationState,
  RoundState,
  Transition,
} from './types.js';

export function newRound(state: GenerationState, number: number): RoundState {
  return {
    number,
    seeds: candidateSeeds(state.settings.seed, number),
    jobId: candidatesJobId(state.id, number),
    votes: {},
  };
}

/** A request whose quota (key `quotaKeyOf(id)`) is already reserved. */
export function startGeneration(request: GenerationRequest, now: number): Transition {
  const state: GenerationState = {
    ...request,
    phase: 'queued',
    createdAt: now,
    updatedAt: now,
    rounds: [],
    quotaKeys: [quotaKeyOf(request.id)],
    messages: {},
    voteSeq: 0,
  };
  const effects: FlowEffect[] = [
    {
      type: 'post',
      key: 'status',
      message: {
        text: text.accepted(state),
        ...(request.requestMessageId ? { replyTo: request.requestMessageId } : {}),
      },
    },
  ];
  const imagePath = request.settings.imagePath;
  if (imagePath) {
    // An uploaded first frame: straight to animation.
    state.chosen = { round: 0, candidate: 0, seed: request.settings.seed, imagePath };
    state.phase = 'animating';
    state.animationJobId = animationJobId(state.id);
    effects.push({ type: 'enqueue', job: animationJob(state) });
  } else {
    const round = newRound(state, 1);
    state.rounds.push(round);
    effects.push({ type: 'enqueue', job: candidatesJob(state, round) });
  }
  return { state, effects };
}

/**
 * After a restart: what to do again so a generation carries on. Enqueueing the same job id is
 * idempotent (the queue answers with the job's state, or its result if it already finished);
 * a vote's timer is set again at its stored absolute deadline (at once if it has passed).
 */
export function resumeEffects(state: GenerationState, flowConfig: FlowConfig): FlowEffect[] {
  const config = flowConfigOf(state, flowConfig);
  const round = state.rounds.at(-1);
  switch (state.phase) {
    case 'queued':
    case 'generating':
      return round ? [{ type: 'enqueue', job: candidatesJob(state, round) }] : [];
    case 'voting':
      if (!round) return [];
      // A grid not yet delivered is posted again; the vote opens once it is.
      return round.closesAt !== undefined
        ? [{ type: 'setTimer', round: round.number, at: round.closesAt }]
        : [postGrid(state, round, config)];
    case 'asking':
      return resumeRetake(state);
    case 'awaiting-quota':
      return state.pendingQuotaKey ? [{ type: 'reserveQuota', key: state.pendingQuotaKey }] : [];
    case 'animating':
      // A finished video not yet delivered is posted again.
      return state.result ? [postResult(state)] : [{ type: 'enqueue', job: animationJob(state) }];
    default:
      return [];
  }
}

export function isActive(state: GenerationState): boolean {
  return state.phase !== 'done' && state.phase !== 'failed';
}
