// The flow as a pure function: (state, event) → new state + effects. The service runs the
// effects (chat, queue, store, timers) and feeds their outcomes back as events.
import {
  choiceOfEmoji,
  CONFIRM_EMOJI,
  emojiOfChoice,
  EXTEND_EMOJI,
  RETAKE_EMOJI,
  ROUND_REACTIONS,
  STORY_ROUND_REACTIONS,
} from './emoji.js';
import { animationJobId, DEFAULT_VARIATION_STRENGTH, quotaKeyOf } from '../contract.js';
import { animationJob, candidatesJob } from './jobs.js';
import { newRound } from './lifecycle.js';
import { postGrid, postResult, replyTo, roundKey, showClosingTime } from './messages.js';
import {
  animateTake,
  askForRetake,
  onRetakeDeadline,
  onRetakeReaction,
  refuseTake,
} from './retake.js';
import { askToExtend } from './story.js';
import { varyProblem } from './vary.js';
import {
  candidateToVary,
  leadingCandidate,
  regenerateHasMajority,
  tallyRound,
  varyHasMajority,
} from './tally.js';
import { text } from './text.js';
import { flowConfigOf } from './types.js';
import type {
  FlowConfig,
  FlowEffect,
  FlowEvent,
  GenerationState,
  RoundOutcome,
  RoundState,
  Transition,
} from './types.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type Step = { state: GenerationState; effects: FlowEffect[]; config: FlowConfig };

export function reduce(state: GenerationState, event: FlowEvent, config: FlowConfig): Transition {
  const step: Step = {
    state: structuredClone(state),
    effects: [],
    config: flowConfigOf(state, config),
  };
  step.state.updatedAt = event.now;
  handle(step, event);
  return { state: step.state, effects: step.effects };
}

function currentRound(state: GenerationState): RoundState | undefined {
  return state.rounds.at(-1);
}

/** The job the generation waits for now, if any. */
function currentJobId(state: GenerationState): string | undefined {
  if (state.phase === 'queued' || state.phase === 'generating') return currentRound(state)?.jobId;
  if (state.phase === 'animating') return state.animationJobId;
  return undefined;
}

function handle(step: Step, event: FlowEvent): void {
  const { state } = step;
  switch (event.type) {
    case 'messagePosted':
      state.messages[event.key] = event.messageId;
      return onDelivered(step, event.key);
    case 'deliveryFailed':
      return onDeliveryFailed(step, event.key, event.reason);
    case 'jobQueued':
      if (event.jobId === currentJobId(state) && state.lastProgressEditAt === undefined) {
        step.effects.push({
          type: 'edit',
          key: 'status',
          text: text.queued(state, event.position),
        });
      }
      return;
    case 'jobProgress':
      return onProgress(step, event);
    case 'candidatesReady':
      return onCandidates(step, event);
    case 'animationReady':
      // Once only: a repeated event (another process, a restart) must not post the video twice.
      if (event.jobId !== state.animationJobId || state.phase !== 'animating' || state.result) {
        return;
      }
      // Still animating until the video is delivered: only then is it done and paid for.
      state.result = { mp4: event.mp4, ...(event.gif ? { gif: event.gif } : {}) };
      step.effects.push(postResult(state));
      return;
    case 'jobFailed':
      if (event.jobId !== currentJobId(state)) return;
      return fail(step, event.reason);
    case 'reaction':
      return onReaction(step, event);
    case 'timer': {
      if (state.phase === 'asking') return onRetakeDeadline(step, event);
      const round = currentRound(state);
      if (
        state.phase !== 'voting' ||
        round?.number !== event.round ||
        round.closesAt === undefined
      ) {
        return;
      }
      if (event.now < round.closesAt) {
        step.effects.push({ type: 'setTimer', round: round.number, at: round.closesAt });
        return;
      }
      return closeRound(step, round, 'deadline');
    }
    case 'quotaReserved':
      if (state.phase !== 'awaiting-quota' || event.key !== state.pendingQuotaKey) return;
      state.quotaKeys.push(event.key);
      delete state.pendingQuotaKey;
      return state.retake ? animateTake(step) : startNextRound(step);
    case 'varyAsked':
      return onVaryAsked(step, event);
    case 'storyClosed':
      if (state.phase !== 'done' || state.storyClosed) return;
      state.storyClosed = { by: event.by.name, at: event.now };
      step.effects.push({
        type: 'post',
        message: { text: text.storyClosed(state, event.by.name), ...replyTo(state) },
      });
      return;
    case 'quotaDenied': {
      if (state.phase !== 'awaiting-quota' || event.key !== state.pendingQuotaKey) return;
      delete state.pendingQuotaKey;
      if (state.retake) return refuseTake(step, event.reason);
      const round = currentRound(state) as RoundState;
      // For the requester only: the closed grid tells the channel (no quota left for new frames).
      step.effects.push({
        type: 'post',
        message: {
          text: text.quotaDeniedForRound(event.reason),
          ...replyTo(state),
          visibleTo: state.requester.id,
        },
      });
      return animateWinner(step, round, 'quota');
    }
  }
}

function onProgress(step: Step, event: Extract<FlowEvent, { type: 'jobProgress' }>): void {
  const { state, config } = step;
  if (event.jobId !== currentJobId(state)) return;
  if (state.phase === 'queued') state.phase = 'generating';
  const last = state.lastProgressEditAt;
  const finalStep = event.step >= event.total;
  if (last !== undefined && event.now - last < config.progressEditIntervalMs && !finalStep) return;
  state.lastProgressEditAt = event.now;
  const round = currentRound(state);
  const message =
    state.phase === 'animating'
      ? text.animating(state, event.step, event.total)
      : text.drawing(state, round?.number ?? 1, event.step, event.total);
  step.effects.push({ type: 'edit', key: 'status', text: message, progress: true });
}

function onCandidates(step: Step, event: Extract<FlowEvent, { type: 'candidatesReady' }>): void {
  const { state } = step;
  const round = currentRound(state);
  if (!round || event.jobId !== round.jobId || round.candidates !== undefined) return;
  if (state.phase !== 'queued' && state.phase !== 'generating') return;
  round.candidates = event.images;
  round.grid = event.grid;
  if (event.videos) round.videos = event.videos;
  state.phase = 'voting';
  delete state.lastProgressEditAt;
  // The vote opens once the grid is delivered (onDelivered): never on a message that is not there.
  step.effects.push(postGrid(state, round, step.config));
}

/** The round's grid waiting to be delivered, when `key` is its message. */
function roundAwaitingGrid(state: GenerationState, key: string): RoundState | undefined {
  const round = currentRound(state);
  if (state.phase !== 'voting' || !round || round.closesAt !== undefined) return undefined;
  return key === roundKey(round.number) ? round : undefined;
}

function videoAwaitingDelivery(state: GenerationState, key: string): boolean {
  return key === 'result' && state.phase === 'animating' && state.result !== undefined;
}

function onDelivered(step: Step, key: string): void {
  const { state, config } = step;
  const round = roundAwaitingGrid(state, key);
  if (round) {
    round.closesAt = step.state.updatedAt + config.voteWindowMs;
    step.effects.push(
      { type: 'react', key, emojis: state.story ? STORY_ROUND_REACTIONS : ROUND_REACTIONS },
      { type: 'setTimer', round: round.number, at: round.closesAt },
      showClosingTime(state, round, config),
      { type: 'edit', key: 'status', text: text.voteStatus(state, round) },
    );
    return;
  }
  if (videoAwaitingDelivery(state, key)) {
    state.phase = 'done';
    step.effects.push(
      { type: 'edit', key: 'status', text: text.done(state) },
      { type: 'commitQuota', keys: [...state.quotaKeys] },
      // Anyone may ask for a re-take of the video with 🔁 (not of a story's: its clips are
      // voted on), and continue it with ⏩.
      { type: 'react', key, emojis: state.story ? [EXTEND_EMOJI] : [RETAKE_EMOJI, EXTEND_EMOJI] },
    );
  }
}

/** The grid or the video could not be posted: the generation fails and refunds. */
function onDeliveryFailed(step: Step, key: string, reason: string): void {
  const { state } = step;
  if (roundAwaitingGrid(state, key)) return fail(step, text.gridNotPosted(reason));
  if (videoAwaitingDelivery(state, key)) return fail(step, text.videoNotPosted(reason));
}

/** The round whose grid is `messageId`, if it is one of this generation's. */
function roundOfMessage(state: GenerationState, messageId: string): RoundState | undefined {
  return state.rounds.find((round) => state.messages[roundKey(round.number)] === messageId);
}

function onReaction(step: Step, event: Extract<FlowEvent, { type: 'reaction' }>): void {
  const { state, config } = step;
  if (onRetakeReaction(step, event) || askToExtend(step, event) || askForRetake(step, event)) {
    return;
  }
  const round = event.fromBot ? undefined : roundOfMessage(state, event.messageId);
  if (!round) return; // a bot, or another message
  const key = roundKey(round.number);
  const isRequester = event.user.id === state.requester.id;
  const tell = (userId: string, message: string): void => {
    step.effects.push({ type: 'post', message: { text: message, visibleTo: userId } });
  };
  const notifyRequester = (message: string): void => tell(state.requester.id, message);
  const isVoteEmoji = event.emoji === CONFIRM_EMOJI || choiceOfEmoji(event.emoji) !== undefined;
  /** Takes the user's reaction back (where the platform allows) and tells them why. */
  const refuse = (message: string): void => {
    step.effects.push({ type: 'unreact', key, emoji: event.emoji, userId: event.user.id });
    tell(event.user.id, message);
  };

  if (state.phase !== 'voting' || round !== currentRound(state)) {
    // A closed round: nothing counts any more. The grid shows its result (edited again, in
    // case the edit at closing did not get through).
    if (!event.added || !isVoteEmoji) return;
    if (round.outcome) {
      step.effects.push({
        type: 'edit',
        key,
        text: text.roundClosed(state, round, round.outcome),
        closed: true,
      });
    }
    return refuse(text.roundIsClosed(state, round));
  }

  if (event.emoji === CONFIRM_EMOJI) {
    if (!event.added) return;
    if (!isRequester) return refuse(text.onlyRequesterCloses(state));
    if (leadingCandidate(round) === undefined) return notifyRequester(text.pickFirst());
    return closeRound(step, round, 'confirmed');
  }
  const choice = choiceOfEmoji(event.emoji);
  if (choice === undefined) return;
  const previous = round.votes[event.user.id];
  // 🔀 varies the frame leading the vote before it (the asker's own frame vote included).
  const toVary = choice === 'vary' ? candidateToVary(round) : undefined;
  if (choice === 'vary' && event.added && state.story) {
    return refuse(text.noVariationsOfContinuations());
  }
  if (choice === 'vary' && event.added && toVary === undefined) {
    return refuse(text.voteBeforeVarying());
  }
  if (!event.added) {
    // Only taking back the reaction that is the current vote removes the vote.
    if (previous?.choice === choice) delete round.votes[event.user.id];
    return;
  }
  if (previous?.choice === choice) return;
  round.votes[event.user.id] = {
    choice,
    seq: ++state.voteSeq,
    at: event.now,
    name: event.user.name,
    ...(toVary === undefined ? {} : { of: toVary }),
  };
  if (previous) {
    step.effects.push({
      type: 'unreact',
      key,
      emoji: emojiOfChoice(previous.choice),
      userId: event.user.id,
    });
  }
  if (choice === 'regenerate' && isRequester) {
    if (round.number >= config.maxRounds)
      return notifyRequester(text.noMoreRounds(config.maxRounds));
    return nextRound(step, round, { kind: 'regenerate', by: 'requester' });
  }
  if (choice === 'vary' && isRequester) {
    if (round.number >= config.maxRounds)
      return notifyRequester(text.noMoreRounds(config.maxRounds));
    return nextRound(step, round, { kind: 'vary', by: 'requester', candidate: toVary! });
  }
}

/** `/video vary <n>`: the requester's own choice of the frame to vary, at once (as their 🔀). */
function onVaryAsked(step: Step, event: Extract<FlowEvent, { type: 'varyAsked' }>): void {
  const { state, config } = step;
  // Asked of a round that has closed since (a 🔄 or the deadline came first): the next round's
  // frames were never seen by the asker. The service answers that it could not be done.
  const round = currentRound(state);
  if (round?.number !== event.round) return;
  const problem = varyProblem(state, event.user, config);
  if (problem) {
    step.effects.push({
      type: 'post',
      message: { text: problem, visibleTo: event.user.id, ...replyTo(state) },
    });
    return;
  }
  nextRound(step, round, { kind: 'vary', by: 'requester', candidate: event.candidate });
}

function closeRound(step: Step, round: RoundState, reason: 'deadline' | 'confirmed'): void {
  const tally = tallyRound(round);
  if (reason === 'deadline' && regenerateHasMajority(tally)) {
    if (round.number < step.config.maxRounds) {
      return nextRound(step, round, { kind: 'regenerate', by: 'majority' });
    }
    return animateWinner(step, round, 'no-more-rounds');
  }
  const toVary = candidateToVary(round);
  // A 🔀 majority with no frame voted for has nothing to vary: the round closes as usual.
  if (reason === 'deadline' && varyHasMajority(tally) && toVary !== undefined) {
    if (round.number < step.config.maxRounds) {
      return nextRound(step, round, { kind: 'vary', by: 'majority', candidate: toVary });
    }
    return animateWinner(step, round, 'no-more-rounds');
  }
  animateWinner(step, round, reason);
}

function finishRound(step: Step, round: RoundState, outcome: RoundOutcome): void {
  round.outcome = outcome;
  step.effects.push(
    { type: 'cancelTimer', round: round.number },
    {
      type: 'edit',
      key: roundKey(round.number),
      text: text.roundClosed(step.state, round, outcome),
      closed: true,
    },
  );
}

function animateWinner(
  step: Step,
  round: RoundState,
  reason: Extract<RoundOutcome, { kind: 'winner' }>['reason'],
): void {
  const { state } = step;
  const tally = tallyRound(round);
  const leader = leadingCandidate(round);
  const candidate = leader ?? 1;
  const why = leader === undefined && reason === 'deadline' ? 'no-votes' : reason;
  finishRound(step, round, { kind: 'winner', candidate, reason: why, tally });
  state.chosen = {
    round: round.number,
    candidate,
    seed: round.seeds[candidate - 1] as number,
    imagePath: (round.candidates as string[])[candidate - 1] as string,
    tally,
  };
  state.phase = 'animating';
  const story = round.videos?.[candidate - 1];
  if (state.story && story) {
    // Each continuation is already the whole story: the winner is posted as it is.
    state.result = { ...story };
    step.effects.push(
      { type: 'edit', key: 'status', text: text.postingStory(state) },
      postResult(state),
    );
    return;
  }
  state.animationJobId = animationJobId(state.id);
  step.effects.push(
    { type: 'enqueue', job: animationJob(state) },
    { type: 'edit', key: 'status', text: text.animating(state) },
  );
}

/** 🔄 or 🔀 closed the round: another round (paid first when rounds cost quota). */
function nextRound(
  step: Step,
  round: RoundState,
  outcome: DistributiveOmit<Exclude<RoundOutcome, { kind: 'winner' }>, 'tally'>,
): void {
  const { state, config } = step;
  finishRound(step, round, { ...outcome, tally: tallyRound(round) });
  if (config.regenerateCostsQuota) {
    state.phase = 'awaiting-quota';
    state.pendingQuotaKey = quotaKeyOf(state.id, round.number + 1);
    step.effects.push({ type: 'reserveQuota', key: state.pendingQuotaKey });
    return;
  }
  startNextRound(step);
}

function startNextRound(step: Step): void {
  const { state } = step;
  const previous = currentRound(state) as RoundState;
  const round = newRound(state, previous.number + 1);
  if (previous.outcome?.kind === 'vary') {
    const candidate = previous.outcome.candidate;
    round.variationOf = {
      round: previous.number,
      candidate,
      imagePath: (previous.candidates as string[])[candidate - 1] as string,
      strength: DEFAULT_VARIATION_STRENGTH,
    };
  }
  state.rounds.push(round);
  state.phase = 'queued';
  delete state.lastProgressEditAt;
  step.effects.push(
    { type: 'enqueue', job: candidatesJob(state, round) },
    {
      type: 'edit',
      key: 'status',
      text: text.drawing(state, round.number),
    },
  );
}

function fail(step: Step, reason: string): void {
  const { state } = step;
  state.phase = 'failed';
  state.error = reason;
  const round = currentRound(state);
  // Only a round whose vote is open has a deadline set.
  if (round?.closesAt !== undefined && !round.outcome) {
    step.effects.push({ type: 'cancelTimer', round: round.number });
  }
  step.effects.push(
    { type: 'refundQuota', keys: [...state.quotaKeys] },
    { type: 'edit', key: 'status', text: text.failed(state, reason) },
  );
}
