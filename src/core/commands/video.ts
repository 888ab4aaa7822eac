// `/video <prompt> [--seed N] [--steps N] [--guidance X] [--scheduler NAME] [--negative "..."]`
// Parsing (text → raw strings) is separate from validation (raw → typed request), so adapters
// with structured options (Discord slash-command options) can call `validateVideoRequest`.
import { checkImageAttachments } from './attachment.js';
import {
  negativePromptProblems,
  promptProblems,
  rangeProblem,
  schedulerProblem,
  type Range,
  type RequestLimits,
  type SchedulerName,
} from '../contract.js';
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
  if (negative) request.negativePrompt = negative;
  if (attachments[0]) request.image = attachments[0];
  return { ok: true, request };
}
