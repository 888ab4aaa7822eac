// `/help words`: the words the model knows, by kind. The words come from the model (its
// tokenizer, through RequestLimits.vocabulary); their kinds are the shapes world's
// (training/WORLD.md), which the model folder does not carry, so this table is the one place
// that says them. A word the table does not name is listed under "other words", alphabetically.
import { closestWords, type RequestLimits } from '../contract.js';
import { count } from '../plural.js';

const WORD_KINDS: ReadonlyArray<readonly [kind: string, words: readonly string[]]> = [
  ['colours', ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'pink', 'cyan']],
  ['shapes', ['circle', 'square', 'triangle', 'diamond', 'cross']],
  ['sizes', ['small', 'big']],
  [
    'motions',
    ['moving', 'left', 'right', 'up', 'down', 'bouncing', 'growing', 'shrinking', 'still'],
  ],
  ['backgrounds', ['black', 'white', 'gray']],
];

export interface WordGroup {
  kind: string;
  words: string[];
}

/** The vocabulary in groups: the table's kinds in its order (only words the model knows), then
 * every other known word alphabetically. Empty groups are left out. */
export function wordsByKind(vocabulary: Iterable<string>): WordGroup[] {
  const known = new Set(vocabulary);
  const placed = new Set<string>();
  const groups: WordGroup[] = [];
  for (const [kind, words] of WORD_KINDS) {
    const present = words.filter((word) => known.has(word));
    present.forEach((word) => placed.add(word));
    if (present.length > 0) groups.push({ kind, words: present });
  }
  const others = [...known].filter((word) => !placed.has(word)).sort();
  if (others.length > 0) groups.push({ kind: 'other words', words: others });
  return groups;
}

export const WORDS_EXAMPLE =
  'Example: /video a small yellow triangle bouncing on a black background';

/** The answer to `/help words`. */
export function wordsHelp(limits: Pick<RequestLimits, 'vocabulary'>): string {
  if (!limits.vocabulary) return 'This model takes any words: describe the video you want.';
  const lines = wordsByKind(limits.vocabulary).map(
    (group) => `• ${group.kind}: ${group.words.join(', ')}`,
  );
  return [
    `The model knows ${count(limits.vocabulary.size, 'word')}; a prompt may use only these:`,
    ...lines,
    WORDS_EXAMPLE,
  ].join('\n');
}

/** What a chat client's completion list takes: Discord shows at most 25 choices of 100 chars. */
export interface CompletionLimits {
  most: number;
  maxChars: number;
}

/**
 * The typed prompt with its next word completed, for a platform's autocomplete: a half-typed last
 * word is finished with the known words it starts (or, when none does, the closest known words:
 * "circel" → "circle"); after a space, every known word but the one just typed follows, the
 * kinds the prompt does not name yet first (a colour, then a shape, …). Empty when the model takes any words, and for
 * completions longer than `maxChars` (the typed text stays as typed).
 */
export function promptCompletions(
  typed: string,
  vocabulary: ReadonlySet<string> | undefined,
  limits: CompletionLimits,
): string[] {
  if (!vocabulary) return [];
  const partial = /[\p{L}\p{N}_]*$/u.exec(typed)?.[0] ?? '';
  const before = typed.slice(0, typed.length - partial.length);
  const lead = before === '' || /\s$/u.test(before) ? before : `${before} `;
  let words: string[];
  if (partial === '') {
    const used = new Set(typed.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);
    const groups = wordsByKind(vocabulary);
    const named = (group: WordGroup) => group.words.some((word) => used.has(word));
    words = [...groups.filter((g) => !named(g)), ...groups.filter(named)].flatMap((g) => g.words);
  } else {
    const start = partial.toLowerCase();
    const known = [...vocabulary];
    const finishing = known.filter((word) => word.startsWith(start)).sort();
    words = finishing.length > 0 ? finishing : closestWords(start, known, limits.most);
  }
  // Never the word just before again ("a small s" → not "a small small").
  const previous = /([\p{L}\p{N}_]+)\W*$/u.exec(before)?.[1]?.toLowerCase();
  return words
    .filter((word) => word !== previous)
    .map((word) => `${lead}${word}`)
    .filter((completion) => completion.length <= limits.maxChars)
    .slice(0, limits.most);
}
