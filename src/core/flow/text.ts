// What the flow says in the channel. Plain text with emoji, so every platform can show it.
import { count } from '../plural.js';
import {
  CANDIDATE_EMOJI,
  CONFIRM_EMOJI,
  EXTEND_EMOJI,
  REGENERATE_EMOJI,
  RETAKE_EMOJI,
  VARY_EMOJI,
} from './emoji.js';
import { storyClips } from './story-clips.js';
import type {
  GenerationState,
  RoundOutcome,
  RoundState,
  StoryClip,
  Tally,
  TextTime,
} from './types.js';

export function describeTally(tally: Tally): string {
  const parts = tally.candidates.map((count, i) => `${CANDIDATE_EMOJI[i]} ${count}`);
  parts.push(`${REGENERATE_EMOJI} ${tally.regenerate}`);
  // 🔀 is named once someone used it (the tallies people already know stay as they were).
  if (tally.vary > 0) parts.push(`${VARY_EMOJI} ${tally.vary}`);
  return parts.join(' · ');
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

/** When a vote window of `windowMs` closes, counted from now: "in 60 s". */
function closesIn(windowMs: number): string {
  return `in ${seconds(windowMs)} s`;
}

/** The closing time the grid's text (voteOpen) names, once the window has started. */
export function voteClosingTime(round: RoundState, windowMs: number): TextTime | undefined {
  return round.closesAt === undefined
    ? undefined
    : { at: round.closesAt, shown: closesIn(windowMs) };
}

/** `text` with its time's words shown the platform's way (`show`); as is without a time. */
export function withTime(
  text: string,
  time: TextTime | undefined,
  show: (at: number) => string,
): string {
  const where = time ? text.indexOf(time.shown) : -1;
  if (!time || where < 0) return text;
  return text.slice(0, where) + show(time.at) + text.slice(where + time.shown.length);
}

/**
 * The video a message is about: `"a red circle"`, `"a red circle" (take 2)` for a re-take,
 * `"… moving down" (clip 2 of "a red circle moving right")` for a story's next clip.
 */
function video(state: GenerationState): string {
  const take = state.retake ? ` (take ${state.retake.take})` : '';
  const clip = state.story
    ? ` (clip ${state.story.clip} of "${state.story.clips[0]?.caption}")`
    : '';
  return `"${state.settings.prompt}"${take}${clip}`;
}

/** What a video costs its requester (who pays for a re-take is known once it starts). */
function cost(state: GenerationState): string {
  return `cost: 1 video of ${state.requester.name}'s quota`;
}

/** What a round's four candidates are: first frames, or a story's continuations. */
function candidateWord(state: GenerationState): string {
  return state.story ? 'continuation' : 'frame';
}

/** One line of a story's message: `2. "the red circle moving down": seed 7, chosen by ann, bo`. */
function clipLine(clip: StoryClip, index: number): string {
  const voters = clip.voters.length > 0 ? `, chosen by ${clip.voters.join(', ')}` : '';
  return `${index + 1}. "${clip.caption}": seed ${clip.seed}${voters}`;
}

export const text = {
  queued(state: GenerationState, position: number): string {
    const where = position <= 0 ? 'starting now' : `position ${position} in the queue`;
    return `⏳ ${video(state)}: queued, ${where}.`;
  },
  accepted(state: GenerationState): string {
    return `⏳ ${video(state)}: queued.`;
  },
  drawing(state: GenerationState, round: number, step?: number, total?: number): string {
    const source = state.rounds.find((r) => r.number === round)?.variationOf;
    const drawn = state.story ? 'continuations' : 'first frames';
    const what = source
      ? `4 variations of frame ${source.candidate} (round ${round})`
      : round > 1
        ? `new ${drawn} (round ${round})`
        : `4 ${drawn}`;
    const progress = step !== undefined && total !== undefined ? ` step ${step}/${total}` : '';
    return `🎨 ${video(state)}: drawing ${what}…${progress}`;
  },
  animating(state: GenerationState, step?: number, total?: number): string {
    const progress = step !== undefined && total !== undefined ? ` step ${step}/${total}` : '';
    const frame = state.chosen?.round ? `frame ${state.chosen.candidate}` : 'your image';
    const seed = state.retake ? ` with seed ${state.chosen?.seed}` : '';
    return `🎞️ ${video(state)}: animating ${frame}${seed}…${progress}`;
  },
  /** A story round's winner is already made (each continuation is the whole story). */
  postingStory(state: GenerationState): string {
    return `🎞️ ${video(state)}: ${candidateWord(state)} ${state.chosen?.candidate} won, posting the story…`;
  },
  voteOpen(state: GenerationState, round: RoundState, windowMs: number): string {
    const source = round.variationOf;
    const of = source ? ` (variations of frame ${source.candidate} of round ${source.round})` : '';
    if (state.story) {
      return (
        `🗳️ Round ${round.number} for ${video(state)}: vote for how the story goes on with ` +
        `${CANDIDATE_EMOJI.join(' ')} (each preview shows its new frames), or ${REGENERATE_EMOJI} ` +
        `for new continuations. Voting closes ${closesIn(windowMs)}; ${state.requester.name} can ` +
        `close it early with ${CONFIRM_EMOJI}. Seeds: ${round.seeds.join(', ')}.`
      );
    }
    return (
      `🗳️ Round ${round.number} for "${state.settings.prompt}"${of}: vote for the first frame with ` +
      `${CANDIDATE_EMOJI.join(' ')}, or ${REGENERATE_EMOJI} for new frames, ${VARY_EMOJI} for ` +
      `variations of the leading frame. ` +
      `Voting closes ${closesIn(windowMs)}; ${state.requester.name} can close it early with ${CONFIRM_EMOJI}. ` +
      `Seeds: ${round.seeds.join(', ')}.`
    );
  },
  voteStatus(state: GenerationState, round: RoundState): string {
    return `🗳️ "${state.settings.prompt}": round ${round.number} is open, vote below.`;
  },
  roundClosed(state: GenerationState, round: RoundState, outcome: RoundOutcome): string {
    const head = `Round ${round.number} for "${state.settings.prompt}" closed`;
    if (outcome.kind === 'regenerate') {
      const by = outcome.by === 'requester' ? state.requester.name : 'a majority';
      const what = state.story ? 'new continuations' : 'new frames';
      return `${head}: ${by} asked for ${what} (${describeTally(outcome.tally)}).`;
    }
    if (outcome.kind === 'vary') {
      const by = outcome.by === 'requester' ? state.requester.name : 'a majority';
      return `${head}: ${by} asked for variations of frame ${outcome.candidate} (${describeTally(outcome.tally)}).`;
    }
    const why = {
      deadline: '',
      confirmed: `, confirmed by ${state.requester.name}`,
      'no-votes': ', nobody voted so frame 1 is used',
      'no-more-rounds': `, no rounds left for ${REGENERATE_EMOJI}`,
      quota: `, no quota left for new frames`,
    }[outcome.reason];
    return `${head}: ${candidateWord(state)} ${outcome.candidate} wins${why} (${describeTally(outcome.tally)}).`;
  },
  result(state: GenerationState): string {
    if (state.story) return text.storyResult(state);
    const chosen = state.chosen;
    const origin = chosen?.round
      ? `frame ${chosen.candidate} of round ${chosen.round}`
      : 'the uploaded image';
    const votes = chosen?.tally ? `; votes: ${describeTally(chosen.tally)}` : '';
    const fps = state.settings.fps === undefined ? '' : `, ${state.settings.fps} fps`;
    return `🎬 ${video(state)} for ${state.requester.name}: seed ${chosen?.seed ?? state.settings.seed}${fps}, ${origin}${votes}; ${cost(state)}. ${EXTEND_EMOJI} to continue it.`;
  },
  /** A story's video: the whole story so far, every clip's caption, seed and voters. */
  storyResult(state: GenerationState): string {
    const clips = storyClips(state);
    return [
      `🎬 Story "${clips[0]?.caption}", ${clips.length} clips, for ${state.requester.name}:`,
      ...clips.map(clipLine),
      `Clip ${clips.length}: ${candidateWord(state)} ${state.chosen?.candidate} of round ${state.chosen?.round}; ${cost(state)}. ${EXTEND_EMOJI} to continue it.`,
    ].join('\n');
  },
  /** To a user who reacted ⏩ under a video: a reaction cannot carry the next caption. */
  extendHint(state: GenerationState): string {
    return (
      `To continue ${video(state)}, send /video extend <what happens next> (it continues the ` +
      `newest video in this channel); the channel then votes on 4 continuations.`
    );
  },
  /** To a user who reacted 🔀 on a story's round: variations are of first frames. */
  noVariationsOfContinuations(): string {
    return `${VARY_EMOJI} makes variations of a first frame; for new continuations use ${REGENERATE_EMOJI}.`;
  },
  /** To a user who reacted 🔁 under a story's video. */
  noRetakeOfStory(): string {
    return `${RETAKE_EMOJI} re-takes a single video; a story's clip is redrawn with ${REGENERATE_EMOJI} during its vote, or continued with /video extend.`;
  },
  storyClosed(state: GenerationState, by: string): string {
    return `The story "${storyClips(state)[0]?.caption}" is closed by ${by}: it will not be extended.`;
  },
  done(state: GenerationState): string {
    return `✅ ${video(state)}: done, the video is posted below.`;
  },
  failed(state: GenerationState, reason: string): string {
    return `❌ ${video(state)} failed: ${reason}. Your quota was refunded.`;
  },
  /** The status of a re-take while its askers gather. */
  retakeAsked(state: GenerationState, windowMs: number): string {
    const retake = state.retake!;
    const askers = Object.values(retake.askers)
      .sort((a, b) => a.seq - b.seq)
      .map((asker) => asker.name);
    const who = askers.length > 0 ? askers.join(', ') : 'nobody any more';
    const head =
      `${RETAKE_EMOJI} Re-take of "${state.settings.prompt}" asked for by ${who}: take ${retake.take}, ` +
      `the same first frame with seed ${state.chosen?.seed}.`;
    if (state.phase !== 'asking') {
      return `${head} It starts now and costs 1 video of ${state.requester.name}'s quota.`;
    }
    return (
      `${head} It starts ${closesIn(windowMs)} and costs 1 video of the quota of the first who ` +
      `asked (${retake.firstRequester.name} can start it now with ${RETAKE_EMOJI}; taking every ` +
      `${RETAKE_EMOJI} back calls it off).`
    );
  },
  retakeCalledOff(state: GenerationState): string {
    return `${RETAKE_EMOJI} Re-take ${state.retake?.take} of "${state.settings.prompt}" called off: every ${RETAKE_EMOJI} was taken back. Nothing was charged.`;
  },
  retakeRefused(state: GenerationState, reason: string): string {
    return `${RETAKE_EMOJI} Re-take ${state.retake?.take} of "${state.settings.prompt}" not made: ${reason}. Nothing was charged.`;
  },
  /** To a user who reacted 🔁 under a video whose re-take is under way or posted. */
  retakeTaken(state: GenerationState): string {
    const where =
      state.phase === 'done'
        ? `is posted: react ${RETAKE_EMOJI} under it for another`
        : `is under way for ${state.requester.name}`;
    return `Take ${state.retake?.take} of "${state.settings.prompt}" ${where}.`;
  },
  /** `reason` says why in the user's words (a chat adapter's DeliveryError), never raw codes. */
  gridNotPosted(reason: string): string {
    return `the first frames could not be posted (${reason})`;
  },
  videoNotPosted(reason: string): string {
    return `the video could not be posted (${reason})`;
  },
  pickFirst(): string {
    return `Vote for a frame first (${CANDIDATE_EMOJI.join(' ')}), then ${CONFIRM_EMOJI} closes the vote.`;
  },
  /** To a user whose 🔀 came before any vote for a frame. */
  voteBeforeVarying(): string {
    return `Vote for a frame first (${CANDIDATE_EMOJI.join(' ')}): ${VARY_EMOJI} asks for variations of the frame leading the vote.`;
  },
  /** To a user whose /video vary found no vote of theirs open. */
  noOpenVote(): string {
    return `You have no vote open here: /video vary <1-4> picks the frame to vary while your own round is open.`;
  },
  onlyRequesterVaries(state: GenerationState): string {
    return `Only the requester (${state.requester.name}) can pick the frame to vary; ${VARY_EMOJI} asks for variations of the leading frame.`;
  },
  noMoreRounds(maxRounds: number): string {
    return `No more new frames for this video (at most ${count(maxRounds, 'round')}): vote for one of these.`;
  },
  /** To a user who reacted on a grid whose round is over. */
  roundIsClosed(state: GenerationState, round: RoundState): string {
    const outcome = round.outcome;
    const result = !outcome
      ? 'it ended'
      : outcome.kind === 'winner'
        ? `frame ${outcome.candidate} won`
        : outcome.kind === 'vary'
          ? `variations of frame ${outcome.candidate} were asked for`
          : 'new frames were asked for';
    return `Round ${round.number} for "${state.settings.prompt}" is closed (${result}): your reaction does not count.`;
  },
  onlyRequesterCloses(state: GenerationState): string {
    return `Only the requester (${state.requester.name}) can close this vote with ${CONFIRM_EMOJI}; your frame votes count until it closes.`;
  },
  quotaDeniedForRound(reason: string): string {
    return `No new frames: ${reason}. The best frame so far is animated instead.`;
  },
};
