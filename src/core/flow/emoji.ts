// The reactions the flow reads. Platforms that name emoji (Slack's `one`, `arrows_counterclockwise`)
// map them to these characters in their adapter.
import type { Choice } from './types.js';

export const CANDIDATE_EMOJI = ['1️⃣', '2️⃣', '3️⃣', '4️⃣'] as const;
export const REGENERATE_EMOJI = '🔄';
export const CONFIRM_EMOJI = '✅';
/** Under a posted video: animate the same first frame again with the next seed (a re-take). */
export const RETAKE_EMOJI = '🔁';
/** Under a posted video: how to continue it with /video extend (a story's next clip). */
export const EXTEND_EMOJI = '⏩';
/** Under a grid: the next round draws four variations of the candidate leading the vote. */
export const VARY_EMOJI = '🔀';
/** Added by the bot under each grid, in this order. */
export const ROUND_REACTIONS = [...CANDIDATE_EMOJI, REGENERATE_EMOJI, VARY_EMOJI, CONFIRM_EMOJI];
/** Under a story's round: no 🔀 (variations are of first frames, not of continuations). */
export const STORY_ROUND_REACTIONS = [...CANDIDATE_EMOJI, REGENERATE_EMOJI, CONFIRM_EMOJI];

export function choiceOfEmoji(emoji: string): Choice | undefined {
  if (emoji === REGENERATE_EMOJI) return 'regenerate';
  if (emoji === VARY_EMOJI) return 'vary';
  const index = (CANDIDATE_EMOJI as readonly string[]).indexOf(emoji);
  return index < 0 ? undefined : ((index + 1) as Choice);
}

export function emojiOfChoice(choice: Choice): string {
  if (choice === 'regenerate') return REGENERATE_EMOJI;
  return choice === 'vary' ? VARY_EMOJI : CANDIDATE_EMOJI[choice - 1];
}
