// `/video <prompt> [--seed N] [--steps N] [--guidance X] [--scheduler NAME] [--negative "..."]`
// Parsing (text → raw strings) is separate from validation (raw → typed request), so adapters
// with structured options (Discord slash-command options) can call `validateVideoRequest`.
import { checkImageAttachments } from './attachment.js';
import { MAX_SEED, SCHEDULERS, type SchedulerName, type VideoLimits } from './limits.js';
import type { IncomingAttachment, VideoRequest } from './types.js';

export const VIDEO_OPTIONS = ['seed', 'steps', 'guidance', 'scheduler', 'negative'] as const;
export type VideoOptionName = (typeof VIDEO_OPTIONS)[number];

export interface RawVideoRequest {
  prompt: string;
  options: Partial<Record<VideoOptionName, string>>;
}

export const VIDEO_USAGE =
  'Usage: /video <prompt> [--seed N] [--steps N] [--guidance X] [--scheduler NAME] [--negative "words"]\n' +
  'Example: /video a big red circle moving left on black --seed 7';

const OPTION_LIST = VIDEO_OPTIONS.map((name) => `--${name}`).join(', ');

function isOptionName(name: string): name is VideoOptionName {
  return (VIDEO_OPTIONS as readonly string[]).includes(name);
}

/** Splits the words after `/video` into the prompt and `--option value` pairs. */
export function splitVideoArgs(
  tokens: readonly string[],
): { ok: true; raw: RawVideoRequest } | { ok: false; problems: string[] } {
  const promptWords: string[] = [];
  const options: RawVideoRequest['options'] = {};
  const problems: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (!token.startsWith('--') || token.length === 2) {
      promptWords.push(token);
      continue;
    }
    const [rawName, inlineValue] = splitOnce(token.slice(2), '=');
    const name = rawName.toLowerCase();
    if (!isOptionName(name)) {
      problems.push(`unknown option --${rawName} (allowed: ${OPTION_LIST})`);
      if (inlineValue === undefined && i + 1 < tokens.length && !tokens[i + 1]?.startsWith('--')) {
        i++; // skip its value so it does not end up in the prompt
      }
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      const next = tokens[i + 1];
      if (next === undefined || next.startsWith('--')) {
        problems.push(`--${name} needs a value`);
        continue;
      }
      value = next;
      i++;
    }
    if (options[name] !== undefined) {
      problems.push(`--${name} is given twice`);
      continue;
    }
    options[name] = value;
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, raw: { prompt: promptWords.join(' '), options } };
}

/** The same from options a platform already parsed: `prompt` plus the option names above. */
export function structuredVideoArgs(
  options: Readonly<Record<string, string>>,
): { ok: true; raw: RawVideoRequest } | { ok: false; problems: string[] } {
  const raw: RawVideoRequest = { prompt: options.prompt ?? '', options: {} };
  const problems: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (name === 'prompt') continue;
    if (isOptionName(name)) raw.options[name] = value;
    else problems.push(`unknown option ${name} (allowed: prompt, ${VIDEO_OPTIONS.join(', ')})`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, raw };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** A number option within its range; `whole` also requires an integer. */
function parseNumber(
  name: string,
  value: string | undefined,
  range: { min: number; max: number },
  whole: boolean,
  problems: string[],
): number | undefined {
  if (value === undefined) return undefined;
  const pattern = whole ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)$/;
  const number = pattern.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(number) || number < range.min || number > range.max) {
    const kind = whole ? 'a whole number' : 'a number';
    problems.push(`--${name} must be ${kind} from ${range.min} to ${range.max} (got "${value}")`);
    return undefined;
  }
  return number;
}

/** Words of a prompt as the model's tokenizer sees them (lower case, letters and digits). */
export function promptWords(prompt: string): string[] {
  return prompt.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function checkPrompt(prompt: string, limits: VideoLimits, problems: string[]): void {
  if (prompt.length === 0) {
    problems.push('the prompt is empty: describe the video, e.g. "a red circle moving left"');
    return;
  }
  if (prompt.length > limits.promptMaxChars) {
    problems.push(
      `the prompt is too long: ${prompt.length} characters (at most ${limits.promptMaxChars})`,
    );
  }
  const words = promptWords(prompt);
  if (words.length > limits.promptMaxWords) {
    problems.push(
      `the prompt is too long: ${words.length} words (at most ${limits.promptMaxWords})`,
    );
  }
  if (limits.vocabulary) {
    const vocabulary = limits.vocabulary;
    const unknown = [...new Set(words.filter((word) => !vocabulary.has(word)))];
    if (unknown.length > 0) {
      const known = [...vocabulary].sort().join(', ');
      problems.push(
        `the model does not know ${unknown.map((w) => `"${w}"`).join(', ')} (known words: ${known})`,
      );
    }
  }
}

/** Turns raw strings into a typed request, or lists every problem with what is allowed. */
export function validateVideoRequest(
  raw: RawVideoRequest,
  limits: VideoLimits,
  attachments: readonly IncomingAttachment[] = [],
): { ok: true; request: VideoRequest } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const prompt = raw.prompt.trim().replace(/\s+/g, ' ');
  checkPrompt(prompt, limits, problems);
  const { options } = raw;
  const seed = parseNumber('seed', options.seed, { min: 0, max: MAX_SEED }, true, problems);
  const steps = parseNumber('steps', options.steps, limits.steps, true, problems);
  const guidance = parseNumber('guidance', options.guidance, limits.guidance, false, problems);
  let scheduler: SchedulerName | undefined;
  if (options.scheduler !== undefined) {
    const name = options.scheduler.trim().toLowerCase();
    if ((SCHEDULERS as readonly string[]).includes(name)) scheduler = name as SchedulerName;
    else {
      problems.push(
        `--scheduler "${options.scheduler}" is unknown (allowed: ${SCHEDULERS.join(', ')})`,
      );
    }
  }
  const negative = options.negative?.trim();
  if (negative !== undefined && negative.length > limits.negativeMaxChars) {
    problems.push(
      `--negative is too long: ${negative.length} characters (at most ${limits.negativeMaxChars})`,
    );
  }
  problems.push(...checkImageAttachments(attachments, limits));
  if (problems.length > 0) return { ok: false, problems };
  // Options left out stay undefined, so the engine applies the model's own defaults.
  const request: VideoRequest = { prompt };
  if (steps !== undefined) request.steps = steps;
  if (guidance !== undefined) request.guidance = guidance;
  if (scheduler !== undefined) request.scheduler = scheduler;
  if (seed !== undefined) request.seed = seed;
  if (negative) request.negativePrompt = negative;
  if (attachments[0]) request.image = attachments[0];
  return { ok: true, request };
}
