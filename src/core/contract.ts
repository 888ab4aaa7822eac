// The request contract: what a video request may say, the seeds its candidates draw, and the
// ids and keys its jobs go by. Command parsing (core/commands), the queue's payload schema
// (queue/payloads.ts) and the engine's checks (engine/requests.ts) all read this one module,
// so they refuse the same things with the same words. A model narrows the limits (its words,
// its step maximum, its schedulers) through `limitsForModel`.
import { randomInt } from 'node:crypto';
import { count } from './plural.js';

// --- Schedulers ---------------------------------------------------------------------------

export const SCHEDULERS = ['dpmpp_2m', 'ddim', 'euler'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

export function isSchedulerName(name: string): name is SchedulerName {
  return (SCHEDULERS as readonly string[]).includes(name);
}

// --- Seeds --------------------------------------------------------------------------------

/** Seeds are stored as PostgreSQL integers, so they stay in 0..2^31-1 everywhere. */
export const MAX_SEED = 2_147_483_647;
export const CANDIDATE_COUNT = 4;

export function randomSeed(): number {
  return randomInt(0, MAX_SEED + 1);
}

/** Round n draws base+4(n-1) … base+4(n-1)+3, wrapping to 0 past MAX_SEED. The bot shows these,
 * stores them and sends them with the job; the engine uses them as they come. */
export function candidateSeeds(baseSeed: number, round = 1): number[] {
  const first = baseSeed + (round - 1) * CANDIDATE_COUNT;
  return Array.from({ length: CANDIDATE_COUNT }, (_, i) => (first + i) % (MAX_SEED + 1));
}

/** Take n of a video (a 🔁 re-take; take 1 is the first video) animates the same first frame
 * with the next seed: seed+n-1, wrapping to 0 past MAX_SEED. */
export function takeSeed(seed: number, take: number): number {
  return (seed + take - 1) % (MAX_SEED + 1);
}

// --- Ids and keys -------------------------------------------------------------------------

/** Generation ids are database ids (cuid/uuid): BullMQ forbids ':' in custom job ids. */
export const GENERATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export type JobKind = 'candidates' | 'animation';
export const JOB_KINDS: readonly JobKind[] = ['candidates', 'animation'];

// Job ids derive from the generation, so a replayed event, a restart or a duplicated command
// enqueues the same id again, and the queue treats it as the same job.
export const candidatesJobId = (generationId: string, round: number) =>
  `candidates-${generationId}-r${round}`;
/** Take 1 (the first video) keeps `animation-<id>`; a 🔁 re-take n is `animation-<id>-t<n>`. */
export const animationJobId = (generationId: string, take = 1) =>
  take === 1 ? `animation-${generationId}` : `animation-${generationId}-t${take}`;

/** A re-take is a generation of its own (own messages, quota key, history row): id `<id>-t<n>`
 * of the first video's id, so a duplicated 🔁 finds the same one instead of making another. */
export const takeGenerationId = (firstId: string, take: number) => `${firstId}-t${take}`;

/**
 * The generation a job id above belongs to (undefined for any other id): any bot process
 * routes a job's events to its generation by the id alone. The inverse of the job-id builders:
 * `candidates-<generation>-r<round>`, `animation-<generation>` (a re-take's
 * `animation-<id>-t<n>` is `animation-` + its generation's id, `takeGenerationId`).
 */
export function generationOfJobId(jobId: string): string | undefined {
  const match = /^candidates-(.+)-r\d+$|^animation-(.+)$/.exec(jobId);
  const id = match?.[1] ?? match?.[2];
  return id !== undefined && GENERATION_ID_PATTERN.test(id) ? id : undefined;
}

/** The quota reservation of the generation itself, and of each paid extra round. */
export const quotaKeyOf = (generationId: string, round = 1) =>
  round === 1 ? generationId : `${generationId}-round-${round}`;

// --- Limits -------------------------------------------------------------------------------

export interface Range {
  min: number;
  max: number;
}

export interface RequestLimits {
  promptMaxChars: number;
  /** Words the text encoder reads (its max_length for a word-level tokenizer). */
  promptMaxWords: number;
  negativeMaxChars: number;
  steps: Range;
  guidance: Range;
  imageGuidance: Range;
  guidanceRescale: Range;
  eta: Range;
  seed: Range;
  /** How far a variation re-noises its source candidate (SDEdit): 0 = the same image, 1 = a
   * fresh one. Too low and the four look alike; too high and they forget the source. */
  strength: Range;
  /** Frame rates a request may ask for (`--fps`), whole numbers. */
  fps: Range;
  /** The frame rates this model makes: its own, and twice that when it interpolates; unset
   * (any model), every rate in `fps` passes here and the engine decides. */
  fpsMade?: readonly number[];
  schedulers: readonly SchedulerName[];
  /** Lower-case words the model knows; when set, other words are refused by name. */
  vocabulary?: ReadonlySet<string>;
  /** Uploaded first frames (`image` option): checked from the file's header before queueing. */
  imageMaxBytes: number;
  /** MIME types, each one the engine decodes (src/engine/images.ts reads this list). */
  imageTypes: readonly string[];
  /** Largest side in pixels (read from the header: a decompression-bomb guard). */
  imageMaxSide: number;
}

/** What any model accepts; `limitsForModel` narrows it to one model. */
export const REQUEST_LIMITS: RequestLimits = {
  promptMaxChars: 200,
  promptMaxWords: 24,
  negativeMaxChars: 200,
  steps: { min: 1, max: 50 },
  guidance: { min: 0, max: 20 },
  imageGuidance: { min: 0, max: 20 },
  guidanceRescale: { min: 0, max: 1 },
  eta: { min: 0, max: 1 },
  seed: { min: 0, max: MAX_SEED },
  strength: { min: 0.3, max: 0.9 },
  fps: { min: 1, max: 60 },
  schedulers: SCHEDULERS,
  imageMaxBytes: 5 * 1024 * 1024,
  imageTypes: ['image/png', 'image/jpeg', 'image/webp'],
  imageMaxSide: 4096,
};

/** The strength of a variations round (🔀) that names none. */
export const DEFAULT_VARIATION_STRENGTH = 0.6;

const IMAGE_TYPE_NAMES: Readonly<Record<string, string>> = {
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/webp': 'WebP',
};

/** The accepted image types as people say them: "PNG, JPEG, WebP". */
export function imageTypeNames(limits: Pick<RequestLimits, 'imageTypes'> = REQUEST_LIMITS): string {
  return limits.imageTypes.map((type) => IMAGE_TYPE_NAMES[type] ?? type).join(', ');
}

/** What a model folder says about its own requests (docs/model-format.md, `limits`). */
export interface ModelLimits {
  vocabulary?: Iterable<string>;
  maxWords?: number;
  maxSteps?: number;
  schedulers?: readonly SchedulerName[];
  /** The frame rates it makes (its video fps, and twice that with "interpolate" in video_masks). */
  fps?: readonly number[];
}

export function limitsForModel(model: ModelLimits, base = REQUEST_LIMITS): RequestLimits {
  return {
    ...base,
    ...(model.vocabulary ? { vocabulary: new Set(model.vocabulary) } : {}),
    ...(model.maxWords ? { promptMaxWords: model.maxWords } : {}),
    ...(model.maxSteps ? { steps: { ...base.steps, max: model.maxSteps } } : {}),
    ...(model.schedulers ? { schedulers: model.schedulers } : {}),
    ...(model.fps ? { fpsMade: model.fps } : {}),
  };
}

// --- Words the model knows -----------------------------------------------------------------

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`: the optimal
 * string alignment distance, so a typed-over pair ("circel") is one slip, not two. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The known words closest to `word` (one slip away for short words, up to two for longer
 * ones; only the closest, alphabetical among equals): what "did you mean" offers. */
export function closestWords(word: string, known: Iterable<string>, most = 2): string[] {
  const allowed = word.length <= 4 ? 1 : 2;
  const near = [...known]
    .map((candidate) => ({ candidate, distance: editDistance(word, candidate) }))
    .filter(({ distance }) => distance <= allowed);
  const best = Math.min(...near.map(({ distance }) => distance));
  return near
    .filter(({ distance }) => distance === best)
    .map(({ candidate }) => candidate)
    .sort()
    .slice(0, most);
}

/** `"circel" (did you mean "circle"?), "dog"`: unknown words, each with its likely meaning. */
function listUnknown(unknown: readonly string[], vocabulary: ReadonlySet<string>): string {
  return unknown
    .map((word) => {
      const close = closestWords(word, vocabulary);
      const hint =
        close.length > 0 ? ` (did you mean ${close.map((w) => `"${w}"`).join(' or ')}?)` : '';
      return `"${word}"${hint}`;
    })
    .join(', ');
}

// --- Checks -------------------------------------------------------------------------------
// Each returns what is wrong in the project's words (empty when nothing is), so the core can
// list every problem at once and the queue and engine refuse with the same sentences.

/** The words the model reads: lower case, punctuation dropped (its vocabulary has none). */
export function promptWords(prompt: string): string[] {
  return prompt.toLowerCase().match(/\w+/gu) ?? [];
}

/** Control characters (C0, DEL, C1) other than tab and newline: never stored or sent on, on
 * any platform (PostgreSQL refuses a null byte in text; the others are invisible in chat). */
// eslint-disable-next-line no-control-regex -- finding them is the point
const REFUSED_CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u;

export function isRefusedControlCharacter(char: string): boolean {
  return REFUSED_CONTROL.test(char);
}

/** What is wrong when `text` (`the prompt`, `the negative prompt`) holds a control character. */
export function controlCharacterProblem(what: string, text: string): string | undefined {
  const found = REFUSED_CONTROL.exec(text);
  if (!found) return undefined;
  const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return (
    `${what} contains an invisible control character (U+${code} at character ${found.index + 1}): ` +
    'only printable characters, spaces, tabs and new lines are allowed'
  );
}

export function promptProblems(prompt: string, limits: RequestLimits): string[] {
  if (prompt.trim().length === 0) {
    return ['the prompt is empty: describe the video, e.g. "a red circle moving left"'];
  }
  const control = controlCharacterProblem('the prompt', prompt);
  const problems: string[] = control ? [control] : [];
  if (prompt.length > limits.promptMaxChars) {
    problems.push(
      `the prompt is too long: ${count(prompt.length, 'character')} (at most ${limits.promptMaxChars})`,
    );
  }
  const words = promptWords(prompt);
  if (words.length === 0) problems.push('the prompt has no words: describe the video in words');
  if (words.length > limits.promptMaxWords) {
    problems.push(
      `the prompt is too long: ${count(words.length, 'word')} (at most ${limits.promptMaxWords})`,
    );
  }
  const vocabulary = limits.vocabulary;
  if (vocabulary) {
    const unknown = [...new Set(words.filter((word) => !vocabulary.has(word)))];
    if (unknown.length > 0) {
      const known = [...vocabulary].sort().join(', ');
      problems.push(
        `the model does not know ${listUnknown(unknown, vocabulary)} (known words: ${known})`,
      );
    }
  }
  return problems;
}

export function negativePromptProblems(negative: string, limits: RequestLimits): string[] {
  const control = controlCharacterProblem('the negative prompt', negative);
  const problems: string[] = control ? [control] : [];
  if (negative.length > limits.negativeMaxChars) {
    problems.push(
      `the negative prompt is too long: ${count(negative.length, 'character')} (at most ${limits.negativeMaxChars})`,
    );
  }
  const vocabulary = limits.vocabulary;
  const unknown = vocabulary ? promptWords(negative).filter((word) => !vocabulary.has(word)) : [];
  if (vocabulary && unknown.length > 0) {
    const listed = listUnknown([...new Set(unknown)], vocabulary);
    problems.push(`the negative prompt has words the model does not know: ${listed}`);
  }
  return problems;
}

/** `value` as a number in `range` (`whole`: an integer too), or what is wrong with it. */
export function rangeProblem(
  name: string,
  value: unknown,
  range: Range,
  whole: boolean,
): string | undefined {
  const fits =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!whole || Number.isInteger(value)) &&
    value >= range.min &&
    value <= range.max;
  if (fits) return undefined;
  const kind = whole ? 'a whole number' : 'a number';
  const got = typeof value === 'string' ? `"${value}"` : String(value);
  return `${name} must be ${kind} from ${range.min} to ${range.max} (got ${got})`;
}

/** What is wrong with asking for `fps` frames per second: out of range, or not a rate this
 * model makes (naming the ones it does). */
export function fpsProblem(fps: unknown, limits: RequestLimits): string | undefined {
  const range = rangeProblem('fps', fps, limits.fps, true);
  if (range) return range;
  const made = limits.fpsMade;
  if (!made || made.includes(fps as number)) return undefined;
  const rates = made.map(String).join(' or ');
  const why =
    made.length === 1 ? ` (${made[0]! * 2} needs a video model trained to interpolate)` : '';
  return `this model cannot make ${String(fps)} fps videos: it makes ${rates} fps${why}`;
}

export function schedulerProblem(name: string, limits: RequestLimits): string | undefined {
  if ((limits.schedulers as readonly string[]).includes(name)) return undefined;
  return `scheduler "${name}" is unknown (allowed: ${limits.schedulers.join(', ')})`;
}
