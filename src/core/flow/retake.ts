// 🔁 re-takes: anyone reacts 🔁 under a posted video, and the same first frame is animated again
// with the next seed. A re-take is a generation of its own (own status message and video, own
// quota reservation, own history row), id `takeGenerationId(firstId, n)`: a duplicated 🔁 finds
// the same one. It gathers askers until its deadline (the vote window), or starts at once when
// the first video's requester reacts; then it reserves quota like a video and is animated.
import { animationJobId, quotaKeyOf, takeGenerationId, takeSeed } from '../contract.js';
import { RETAKE_EMOJI } from './emoji.js';
import { animationJob } from './jobs.js';
import { replyTo } from './messages.js';
import { text } from './text.js';
import { flowConfigOf } from './types.js';
import type {
  FlowConfig,
  FlowEffect,
  FlowEvent,
  GenerationState,
  Person,
  RetakeState,
  Transition,
} from './types.js';

/** The deadline of a re-take's asking window goes by this round number (it has no rounds). */
export const RETAKE_DEADLINE_ROUND = 0;

interface Step {
  state: GenerationState;
  effects: FlowEffect[];
  config: FlowConfig;
}

type Reaction = Extract<FlowEvent, { type: 'reaction' }>;

/**
 * A 🔁 under this finished video: the runner hands it to the next take (`retake` effect); under
 * a story's video it is answered instead. Returns false when the reaction is something else.
 */
export function askForRetake(step: Step, event: Reaction): boolean {
  const { state } = step;
  const onVideo = state.messages.result !== undefined && event.messageId === state.messages.result;
  if (!onVideo || event.fromBot || event.emoji !== RETAKE_EMOJI || state.phase !== 'done') {
    return false;
  }
  if (state.story) {
    // A story's clip is redrawn during its vote, not re-taken: the asker is told so.
    if (event.added) {
      step.effects.push({
        type: 'post',
        message: { text: text.noRetakeOfStory(), visibleTo: event.user.id, ...replyTo(state) },
      });
    }
    return true;
  }
  const { now: _now, ...reaction } = event;
  step.effects.push({
    type: 'retake',
    firstId: state.retake?.of ?? state.id,
    take: (state.retake?.take ?? 1) + 1,
    reaction,
  });
  return true;
}

/**
 * Take `take` of the finished video `previous` (the take before it), asked for by `asker`'s 🔁.
 * Nothing is reserved yet: the quota is, once the re-take starts.
 */
export function startRetake(
  previous: GenerationState,
  take: number,
  asker: Person,
  now: number,
  deploymentConfig: FlowConfig,
): Transition {
  // The channel's own vote window (kept with the video's state) sets the asking window too.
  const config = flowConfigOf(previous, deploymentConfig);
  const chosen = previous.chosen;
  const videoMessageId = previous.messages.result;
  if (!chosen || !videoMessageId) throw new Error(`generation ${previous.id} has no video`);
  const firstId = previous.retake?.of ?? previous.id;
  const firstSeed = previous.retake?.firstSeed ?? chosen.seed;
  const retake: RetakeState = {
    of: firstId,
    take,
    firstSeed,
    videoMessageId,
    firstRequester: previous.retake?.firstRequester ?? previous.requester,
    askers: {},
    closesAt: now + config.voteWindowMs,
  };
  const { retake: _previousTake, ...request } = previous;
  const state: GenerationState = {
    id: takeGenerationId(firstId, take),
    platform: request.platform,
    workspaceId: request.workspaceId,
    channelId: request.channelId,
    requester: asker,
    ...(request.requestMessageId ? { requestMessageId: request.requestMessageId } : {}),
    settings: { ...request.settings, seed: takeSeed(firstSeed, take) },
    ...(request.flow ? { flow: request.flow } : {}),
    phase: 'asking',
    createdAt: now,
    updatedAt: now,
    rounds: [],
    quotaKeys: [],
    messages: {},
    voteSeq: 0,
    chosen: { ...chosen, seed: takeSeed(firstSeed, take) },
    retake,
  };
  const step: Step = { state, effects: [], config };
  onRetakeReaction(step, {
    type: 'reaction',
    now,
    messageId: videoMessageId,
    user: asker,
    fromBot: false,
    emoji: RETAKE_EMOJI,
    added: true,
  });
  // The status is posted with its first asker in it (their reaction's edit of it is not needed).
  const started = step.effects.filter((effect) => effect.type !== 'edit');
  step.effects = [
    {
      type: 'post',
      key: 'status',
      message: {
        text: text.retakeAsked(state, config.voteWindowMs),
        ...(state.requestMessageId ? { replyTo: state.requestMessageId } : {}),
      },
    },
    { type: 'setTimer', round: RETAKE_DEADLINE_ROUND, at: retake.closesAt },
    ...started,
  ];
  return { state: step.state, effects: step.effects };
}

/** A reaction on the video this re-take was asked under. Returns false for other messages. */
export function onRetakeReaction(step: Step, event: Reaction): boolean {
  const { state } = step;
  const retake = state.retake;
  if (!retake || event.messageId !== retake.videoMessageId) return false;
  if (event.fromBot || event.emoji !== RETAKE_EMOJI) return true;
  if (state.phase !== 'asking') {
    // Under way or posted: one job per take, so a repeated 🔁 only gets told where it is.
    if (event.added && state.phase !== 'failed') {
      step.effects.push({
        type: 'post',
        message: { text: text.retakeTaken(state), visibleTo: event.user.id },
      });
    }
    return true;
  }
  const asked = retake.askers[event.user.id] !== undefined;
  if (!event.added) {
    if (asked) delete retake.askers[event.user.id];
  } else if (!asked) {
    retake.askers[event.user.id] = { name: event.user.name, seq: ++state.voteSeq };
    if (event.user.id === retake.firstRequester.id) {
      // The first video's requester starts it now, and pays for it.
      startTake(step, event.user, true);
      return true;
    }
  }
  step.effects.push({
    type: 'edit',
    key: 'status',
    text: text.retakeAsked(state, step.config.voteWindowMs),
  });
  return true;
}

/** The asking window's deadline. */
export function onRetakeDeadline(step: Step, event: Extract<FlowEvent, { type: 'timer' }>): void {
  const { state } = step;
  const retake = state.retake;
  if (!retake || state.phase !== 'asking' || event.round !== RETAKE_DEADLINE_ROUND) return;
  if (event.now < retake.closesAt) {
    step.effects.push({ type: 'setTimer', round: RETAKE_DEADLINE_ROUND, at: retake.closesAt });
    return;
  }
  const first = Object.entries(retake.askers).sort(([, a], [, b]) => a.seq - b.seq)[0];
  if (!first) {
    state.phase = 'failed';
    state.error = 'every 🔁 was taken back';
    step.effects.push({ type: 'edit', key: 'status', text: text.retakeCalledOff(state) });
    return;
  }
  startTake(step, { id: first[0], name: first[1].name }, false);
}

/** The re-take starts: `payer`'s quota is reserved first (`quotaKeyOf` of the take's id). */
function startTake(step: Step, payer: Person, early: boolean): void {
  const { state } = step;
  state.requester = payer;
  state.phase = 'awaiting-quota';
  state.pendingQuotaKey = quotaKeyOf(state.id);
  if (early) step.effects.push({ type: 'cancelTimer', round: RETAKE_DEADLINE_ROUND });
  step.effects.push({ type: 'reserveQuota', key: state.pendingQuotaKey });
}

/** Quota reserved: the take is animated (job `animationJobId(firstId, take)`). */
export function animateTake(step: Step): void {
  const { state } = step;
  const retake = state.retake as RetakeState;
  state.phase = 'animating';
  state.animationJobId = animationJobId(retake.of, retake.take);
  // The status first: a job the queue refuses answers at once, and its failure is the last word.
  step.effects.push(
    { type: 'edit', key: 'status', text: text.animating(state) },
    { type: 'enqueue', job: animationJob(state) },
  );
}

/** No quota for it: nothing was reserved, so nothing is refunded. */
export function refuseTake(step: Step, reason: string): void {
  const { state } = step;
  state.phase = 'failed';
  state.error = reason;
  step.effects.push({ type: 'edit', key: 'status', text: text.retakeRefused(state, reason) });
}

/** After a restart, a re-take still gathering askers sets its deadline again. */
export function resumeRetake(state: GenerationState): FlowEffect[] {
  return state.retake
    ? [{ type: 'setTimer', round: RETAKE_DEADLINE_ROUND, at: state.retake.closesAt }]
    : [];
}
