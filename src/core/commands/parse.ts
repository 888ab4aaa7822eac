// One entry point for every command's text: `/video …`, `/history …`, `/quota …`, `/info`, `/queue`.
// Returns a typed command or one readable message saying what is wrong and what is allowed.
import { parseQuotaArgs } from './admin.js';
import { REQUEST_LIMITS, type RequestLimits } from '../contract.js';
import { parseSettingsArgs, SETTINGS_USAGE } from './settings.js';
import { tokenize } from './tokenize.js';
import type { Command, IncomingAttachment, ParseResult } from './types.js';
import {
  splitVideoArgs,
  type SplitVideoArgs,
  structuredVideoArgs,
  validateVideoRequest,
  VIDEO_USAGE,
} from './video.js';
import { wordsHelp } from './words.js';

export const HISTORY_USAGE = 'Usage: /history [mine|server] [page]';

export const HELP_TEXT = [
  'Commands:',
  '/video <prompt> [--seed N] [--steps N] [--guidance X] [--scheduler NAME] [--negative "words"] [--fps N]: make a video; vote for its first frame with 1️⃣ 2️⃣ 3️⃣ 4️⃣, 🔄 for new frames, 🔀 for variations; 🔁 under a video re-takes it',
  '/video vary <1-4>: during your own vote, four variations of that frame',
  '/video extend <what happens next>: continue the newest video here as a story; the channel votes on 4 continuations (⏩ under a video shows how; admins: /video extend close)',
  '/history [mine|server] [page]: past videos',
  '/quota: your usage and limits (admins: /quota set|grant|reset)',
  '/info: your queued videos (position, ETA), quota left, open votes here',
  '/queue: what is waiting (admins)',
  "/settings: this channel's vote window, steps, guidance, fps, who may extend, max rounds (admins: /settings set|reset)",
  '/help words: the words the model knows, by kind',
].join('\n');

const HELP_USAGE = 'Usage: /help [words]';

const COMMAND_NAMES = ['video', 'history', 'quota', 'info', 'queue', 'settings', 'help'];

/** Slack apps often prefix their commands to avoid clashes; both spellings work. */
const ALIASES: Record<string, string> = {
  'video-history': 'history',
  'video-quota': 'quota',
  'video-info': 'info',
  'video-queue': 'queue',
  'video-help': 'help',
  'video-settings': 'settings',
};

export interface ParseContext {
  limits?: RequestLimits;
  attachments?: readonly IncomingAttachment[];
  /**
   * Options a platform already parsed (Discord slash-command options): `/video` then takes its
   * prompt and options from here instead of the text, so quotes in a prompt need no escaping.
   */
  options?: Readonly<Record<string, string>>;
}

function fail(problems: string[], usage: string): ParseResult {
  const list =
    problems.length === 1 ? problems[0] : problems.map((problem) => `\n• ${problem}`).join('');
  return { ok: false, error: `Sorry, I can't do that: ${list}\n${usage}` };
}

export function parseCommand(text: string, context: ParseContext = {}): ParseResult {
  const limits = context.limits ?? REQUEST_LIMITS;
  const tokenized = tokenize(text.trim());
  if (!tokenized.ok) return fail([tokenized.error], HELP_TEXT);
  const [head, ...args] = tokenized.tokens;
  const typed = head?.startsWith('/') ? head.slice(1).toLowerCase() : undefined;
  const name = typed === undefined ? undefined : (ALIASES[typed] ?? typed);
  if (name === undefined || !COMMAND_NAMES.includes(name)) {
    const what = head === undefined ? 'an empty message' : `"${head}"`;
    return fail([`${what} is not a command`], HELP_TEXT);
  }
  switch (name) {
    case 'video': {
      // Every problem at once: the options' and the request's own, in one answer.
      const split = context.options ? structuredVideoArgs(context.options) : splitVideoArgs(args);
      const vary = afterWord('vary', split.raw.prompt);
      if (vary !== undefined) return parseVary(split, vary);
      const extend = afterWord('extend', split.raw.prompt);
      if (extend !== undefined)
        return parseExtend({ ...split, raw: { ...split.raw, prompt: extend } }, context, limits);
      const valid = validateVideoRequest(split.raw, limits, context.attachments ?? []);
      const problems = [...split.problems, ...(valid.ok ? [] : valid.problems)];
      if (problems.length > 0 || !valid.ok) return fail(problems, VIDEO_USAGE);
      return { ok: true, command: { kind: 'video', request: valid.request } };
    }
    case 'history':
      return parseHistoryArgs(args);
    case 'quota': {
      const parsed = parseQuotaArgs(args);
      return parsed.ok
        ? { ok: true, command: parsed.value }
        : { ok: false, error: `Sorry, I can't do that: ${parsed.error}` };
    }
    case 'settings': {
      const parsed = parseSettingsArgs(args, limits);
      return parsed.ok
        ? { ok: true, command: parsed.value }
        : fail(parsed.problems, SETTINGS_USAGE);
    }
    case 'queue':
    case 'info':
      if (args.length > 0) return fail([`/${name} takes no arguments`], `Usage: /${name}`);
      return { ok: true, command: { kind: name } };
    default:
      return parseHelpArgs(args);
  }
}

export const EXTEND_USAGE =
  'Usage: /video extend <what happens next> [--seed N] [--steps N] [--guidance X] [--scheduler NAME] [--negative "words"]\n' +
  'It continues the newest video in this channel; admins end its story with /video extend close.\n' +
  'Example: /video extend a red circle moving down on black';

export const VARY_USAGE =
  'Usage: /video vary <1-4>: during your own vote, four variations of that frame (🔀 varies the leading one)';

function parseVary(split: SplitVideoArgs, rest: string): ParseResult {
  const problems = [...split.problems];
  if (Object.keys(split.raw.options).length > 0) problems.push('/video vary takes no options');
  const candidate = Number(rest);
  if (!/^[1-4]$/.test(rest)) {
    problems.push(`/video vary needs the frame to vary, 1 to 4 (got "${rest}")`);
  }
  if (problems.length > 0) return fail(problems, VARY_USAGE);
  return { ok: true, command: { kind: 'vary', candidate } };
}

/** The rest of `/video <word> …` when the prompt's first word is `word` (any case), as in
 * `/video extend <caption>`; undefined for a prompt ("extended …" is one). */
function afterWord(word: string, prompt: string): string | undefined {
  const match = new RegExp(`^${word}(?:\\s+|$)`, 'i').exec(prompt.trim());
  return match ? prompt.trim().slice(match[0].length) : undefined;
}

function parseExtend(
  split: SplitVideoArgs,
  context: ParseContext,
  limits: RequestLimits,
): ParseResult {
  const { raw } = split;
  const noOptions = Object.keys(raw.options).length === 0;
  if (raw.prompt.trim().toLowerCase() === 'close' && noOptions && split.problems.length === 0) {
    return { ok: true, command: { kind: 'story-close' } };
  }
  const problems = [...split.problems];
  if (raw.prompt.trim() === '') problems.push('say what happens next after /video extend');
  if (raw.options.fps !== undefined) {
    problems.push("--fps cannot be given to /video extend: a story keeps its first video's fps");
  }
  if ((context.attachments ?? []).length > 0) {
    problems.push('/video extend takes no image: it continues the newest video in this channel');
  }
  const { fps: _fps, ...options } = raw.options;
  const valid =
    raw.prompt.trim() === '' ? undefined : validateVideoRequest({ ...raw, options }, limits, []);
  if (valid && !valid.ok) problems.push(...valid.problems);
  if (problems.length > 0 || !valid?.ok) return fail(problems, EXTEND_USAGE);
  const { image: _image, fps: _noFps, ...request } = valid.request;
  return { ok: true, command: { kind: 'extend', request } };
}

/** What `/help <topic>` knows besides the commands (Discord offers them as choices). */
export const HELP_TOPICS = ['words'] as const;

function parseHelpArgs(args: readonly string[]): ParseResult {
  const [topic, ...rest] = args.map((arg) => arg.toLowerCase());
  if (topic === undefined) return { ok: true, command: { kind: 'help' } };
  if ((topic === 'words' || topic === 'vocabulary') && rest.length === 0) {
    return { ok: true, command: { kind: 'help', topic: 'words' } };
  }
  return fail(
    [`"${args.join(' ')}" is not a help topic (allowed: ${HELP_TOPICS.join(', ')})`],
    HELP_USAGE,
  );
}

/** The answer to a `/help` command: the commands, or the words this model knows. */
export function helpText(
  command: Extract<Command, { kind: 'help' }>,
  limits: RequestLimits = REQUEST_LIMITS,
): string {
  return command.topic === 'words' ? wordsHelp(limits) : HELP_TEXT;
}

function parseHistoryArgs(args: readonly string[]): ParseResult {
  let scope: 'mine' | 'server' = 'mine';
  let page = 1;
  const problems: string[] = [];
  for (const arg of args) {
    const word = arg.toLowerCase();
    if (word === 'mine' || word === 'me') scope = 'mine';
    else if (word === 'server' || word === 'workspace' || word === 'all') scope = 'server';
    else if (/^\d+$/.test(word) && Number(word) >= 1 && Number(word) <= 10_000) page = Number(word);
    else problems.push(`"${arg}" is neither "mine", "server" nor a page number from 1 to 10000`);
  }
  if (problems.length > 0) return fail(problems, HISTORY_USAGE);
  return { ok: true, command: { kind: 'history', scope, page } };
}
