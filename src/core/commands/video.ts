// `/video <prompt> [--seed N] [--steps N] [--guidance X] [--scheduler NAME] [--negative "..."]
// [--fps N]`
// Parsing (text → raw strings) is separate from validation (raw → typed request), so adapters
// with structured options (Discord slash-command options) can call `validateVideoRequest`.
import { checkImageAttachments } from './attachment.js';
import {
  closestWords,
  fpsProblem,
  negativePromptProblems,
  promptProblems,
  rangeProblem,
  schedulerProblem,
  type Range,
  type RequestLimits,
  type SchedulerName,
} from '../contract.js';
import type { IncomingAttachment, VideoRequest } from './types.js';

export const VIDEO_OPTIONS = ['seed', 'steps', 'guidance', 'scheduler', 'negative', 'fps'] as const;
export type VideoOptionName = (typeof VIDEO_OPTIONS)[number];

export interface RawVideoRequest {
  prompt: string;
  options: Partial<Record<VideoOptionName, string>>;
}

export const VIDEO_USAGE =
  'Usage: /video <prompt> [--seed N] [--steps N] [--guidance X] [--scheduler NAME] [--negative "words"] [--fps N]\n' +
  'Example: /video a big red circle moving left on black --seed 7';

const OPTION_LIST = VIDEO_OPTIONS.map((name) => `--${name}`).join(', ');

function isOptionName(name: string): name is VideoOptionName {
  return (VIDEO_OPTIONS as readonly string[]).includes(name);
}

/** What splitting found: the prompt and options it could read, and what was wrong. Problems do
 * not stop the split, so the request's own checks still run and the user hears every problem
 * of a request at once. */
export interface SplitVideoArgs {
  raw: RawVideoRequest;
  problems: string[];
}

// Dashes: phones turn "--" into an em dash (—) or an en dash (–), and people type one "-". Both
// are accepted as "--" rather than explained: the meaning is plain, and refusing it would make
// the user retype what they already wrote right. A single "-" counts only before an option's
// name (`-seed`), so a prompt word like "-" or a value like "-1" stays what it is.
const LONG_DASH = /^[\u2012-\u2015]+(?=\p{L})/u; // figure, en, em and horizontal-bar dashes

/** `token` with its dashes read as "--" when it is an option, else as it came. */
function asOption(token: string): string {
  if (LONG_DASH.test(token)) return token.replace(LONG_DASH, '--');
  if (token.startsWith('-') && !token.startsWith('--')) {
    const name = splitOnce(token.slice(1), '=')[0].toLowerCase();
    if (isOptionName(name)) return `-${token}`;
  }
  return token;
}

function isOptionToken(token: string | undefined): boolean {
  return token !== undefined && token.startsWith('--') && token.length > 2;
}

/** `--sed` → "unknown option --sed (did you mean --seed? allowed: …)"; `dash` is how the
 * platform writes option names ("--" in text, nothing in a platform's own options). */
function unknownOption(name: string, allowed: string, dash: string): string {
  const close = closestWords(name.toLowerCase(), VIDEO_OPTIONS, 1)[0];
  const hint = close ? `did you mean ${dash}${close}? ` : '';
  return `unknown option ${dash}${name} (${hint}allowed: ${allowed})`;
}

/** Splits the words after `/video` into the prompt and `--option value` pairs. */
export function splitVideoArgs(words: readonly string[]): SplitVideoArgs {
  const tokens = words.map(asOption);
  const promptWords: string[] = [];
  const options: RawVideoRequest['options'] = {};
  const problems: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (!isOptionToken(token)) {
      promptWords.push(token);
      continue;
    }
    const [rawName, inlineValue] = splitOnce(token.slice(2), '=');
    const name = rawName.toLowerCase();
    if (!isOptionName(name)) {
      problems.push(unknownOption(rawName, OPTION_LIST, '--'));
      if (inlineValue === undefined && i + 1 < tokens.length && !isOptionToken(tokens[i + 1])) {
        i++; // skip its value so it does not end up in the prompt
      }
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      const next = tokens[i + 1];
      if (next === undefined || isOptionToken(next)) {
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
  return { raw: { prompt: promptWords.join(' '), options }, problems };
}

/** The same from options a platform already parsed: `prompt` plus the option names above. */
export function structuredVideoArgs(options: Readonly<Record<string, string>>): SplitVideoArgs {
  const raw: RawVideoRequest = { prompt: options.prompt ?? '', options: {} };
  const problems: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (name === 'prompt') continue;
    if (isOptionName(name)) raw.options[name] = value;
    else problems.push(unknownOption(name, `prompt, ${VIDEO_OPTIONS.join(', ')}`, ''));
  }
  return { raw, problems };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** A number option within its range; `whole` also requires an integer. */
export function parseNumber(
  name: string,
  value: string | undefined,
  range: Range,
  whole: boolean,
  problems: string[],
): number | undefined {
  if (value === undefined) return undefined;
  const pattern = whole ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)$/;
  const number = pattern.test(value.trim()) ? Number(value) : value;
  const problem = rangeProblem(name, number, range, whole);
  if (problem) problems.push(problem);
  return problem ? undefined : (number as number);
}

/** Whitespace, but not the control characters the contract refuses (\r, \v, \f). */
const SPACES = /[^\S\r\v\f]+/gu;

/** Turns raw strings into a typed request, or lists every problem with what is allowed. */
export function validateVideoRequest(
  raw: RawVideoRequest,
  limits: RequestLimits,
  attachments: readonly IncomingAttachment[] = [],
): { ok: true; request: VideoRequest } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  // Runs of spaces become one; control characters stay, so the contract refuses them by name.
  const prompt = raw.prompt.trim().replace(SPACES, ' ');
  problems.push(...promptProblems(prompt, limits));
  const { options } = raw;
  const seed = parseNumber('seed', options.seed, limits.seed, true, problems);
  const steps = parseNumber('steps', options.steps, limits.steps, true, problems);
  const guidance = parseNumber('guidance', options.guidance, limits.guidance, false, problems);
  let fps = parseNumber('fps', options.fps, limits.fps, true, problems);
  const fpsRefused = fps === undefined ? undefined : fpsProblem(fps, limits);
  if (fpsRefused) {
    problems.push(fpsRefused);
    fps = undefined;
  }
  let scheduler: SchedulerName | undefined;
  if (options.scheduler !== undefined) {
    const name = options.scheduler.trim().toLowerCase();
    const problem = schedulerProblem(name, limits);
    if (problem) problems.push(problem);
    else scheduler = name as SchedulerName;
  }
  const negative = options.negative?.trim().replace(SPACES, ' ');
  if (negative) problems.push(...negativePromptProblems(negative, limits));
  problems.push(...checkImageAttachments(attachments, limits));
  if (problems.length > 0) return { ok: false, problems };
  // Options left out stay undefined, so the engine applies the model's own defaults.
  const request: VideoRequest = { prompt };
  if (steps !== undefined) request.steps = steps;
  if (guidance !== undefined) request.guidance = guidance;
  if (scheduler !== undefined) request.scheduler = scheduler;
  if (seed !== undefined) request.seed = seed;
  if (fps !== undefined) request.fps = fps;
  if (negative) request.negativePrompt = negative;
  if (attachments[0]) request.image = attachments[0];
  return { ok: true, request };
}
