// Stories: a channel continues a finished video clip by clip (`/video extend <caption>`). Each
// next clip is a generation of its own (own id, quota reservation, status message and history
// row) whose rounds vote on four continuations of the story so far, drawn by the engine from its
// last frames; the winner, the whole story as one video, is posted and can be extended again.
import type { ExtendRule } from '../commands/settings.js';
import { EXTEND_EMOJI } from './emoji.js';
import { replyTo } from './messages.js';
import { storyClips, storyOwner } from './story-clips.js';
import { text } from './text.js';
import type {
  FlowConfig,
  FlowEffect,
  FlowEvent,
  GenerationState,
  Person,
  StoryState,
} from './types.js';

interface Step {
  state: GenerationState;
  effects: FlowEffect[];
  config: FlowConfig;
}

type Reaction = Extract<FlowEvent, { type: 'reaction' }>;

/** Why `user` may not extend the finished video `state` (in the channel's words), if not. */
export function extendProblem(
  state: GenerationState,
  user: Person,
  rule: ExtendRule,
  config: Pick<FlowConfig, 'maxStoryClips'>,
): string | undefined {
  if (state.phase !== 'done' || !state.result) {
    return 'the newest video in this channel is not finished yet: extend it once it is posted';
  }
  const caption = `"${storyClips(state)[0]!.caption}"`;
  if (state.storyClosed) {
    return `the story ${caption} was closed by ${state.storyClosed.by}; start a new one with /video <prompt>`;
  }
  const clips = storyClips(state).length;
  if (clips >= config.maxStoryClips) {
    return `the story ${caption} has ${clips} clips, the most a story may have here; start a new one with /video <prompt>`;
  }
  const owner = storyOwner(state);
  if (rule === 'requester' && user.id !== owner.id) {
    return `in this channel only the story's requester (${owner.name}) may extend ${caption}`;
  }
  return undefined;
}

/** The story's id: its first video's generation (a re-take's first take). */
export function storyIdOf(state: GenerationState): string {
  return state.story?.of ?? state.retake?.of ?? state.id;
}

/**
 * Why the story of `previous` cannot take another clip now: one of `open` (the channel's
 * generations under way) already continues it, and a story goes on one clip at a time.
 */
export function clipUnderWay(
  previous: GenerationState,
  open: readonly GenerationState[],
): string | undefined {
  const story = storyIdOf(previous);
  const next = open.find((state) => state.story?.of === story);
  return next
    ? `clip ${next.story?.clip} of the story "${storyClips(previous)[0]?.caption}" is under way ("${next.settings.prompt}"): vote there, then continue its video`
    : undefined;
}

/** The story state of the clip that extends the finished video `previous`. */
export function nextClipOf(previous: GenerationState): StoryState {
  const result = previous.result;
  if (!result?.gif) throw new Error(`generation ${previous.id} has no video to extend`);
  return {
    of: storyIdOf(previous),
    owner: storyOwner(previous),
    clip: storyClips(previous).length + 1,
    base: { mp4: result.mp4, gif: result.gif },
    clips: storyClips(previous),
  };
}

/**
 * ⏩ under a finished video: the reactor is told how to extend it (a reaction cannot carry a
 * caption). Returns false when the reaction is something else.
 */
export function askToExtend(step: Step, event: Reaction): boolean {
  const { state } = step;
  const onVideo = state.messages.result !== undefined && event.messageId === state.messages.result;
  if (!onVideo || event.fromBot || event.emoji !== EXTEND_EMOJI || !event.added) return false;
  if (state.phase !== 'done') return false;
  step.effects.push({
    type: 'post',
    message: { text: text.extendHint(state), visibleTo: event.user.id, ...replyTo(state) },
  });
  return true;
}
