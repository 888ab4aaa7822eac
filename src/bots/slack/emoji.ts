// Slack names its emoji (`one`, `arrows_counterclockwise`); the core speaks Unicode (1️⃣ 🔄).
// Only the reactions the flow reads are mapped; any other name passes through as `:name:`.
import {
  CANDIDATE_EMOJI,
  CONFIRM_EMOJI,
  EXTEND_EMOJI,
  REGENERATE_EMOJI,
  RETAKE_EMOJI,
  VARY_EMOJI,
} from '../../core/flow/emoji.js';

const NAME_OF_EMOJI: Record<string, string> = {
  [CANDIDATE_EMOJI[0]]: 'one',
  [CANDIDATE_EMOJI[1]]: 'two',
  [CANDIDATE_EMOJI[2]]: 'three',
  [CANDIDATE_EMOJI[3]]: 'four',
  [REGENERATE_EMOJI]: 'arrows_counterclockwise',
  [CONFIRM_EMOJI]: 'white_check_mark',
  [RETAKE_EMOJI]: 'repeat',
  [VARY_EMOJI]: 'twisted_rightwards_arrows',
  [EXTEND_EMOJI]: 'fast_forward',
};

const EMOJI_OF_NAME: Record<string, string> = Object.fromEntries(
  Object.entries(NAME_OF_EMOJI).map(([emoji, name]) => [name, emoji]),
);

/** The Slack name of a core emoji; throws for one the flow never uses (a programming error). */
export function slackNameOf(emoji: string): string {
  const name = NAME_OF_EMOJI[emoji];
  if (name === undefined) throw new Error(`no Slack name for the emoji "${emoji}"`);
  return name;
}

/** The core emoji of a Slack reaction name (skin tones ignored), or `:name:` if unknown. */
export function emojiOfSlackName(name: string): string {
  const base = name.split('::')[0] ?? name;
  return EMOJI_OF_NAME[base] ?? `:${base}:`;
}
