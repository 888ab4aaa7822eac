// `/settings` (Slack: `/video-settings`): a channel's own defaults, changed by admins.
//   /settings [show]
//   /settings set <name> <value> [<name> <value> ...]   e.g. /settings set vote-window 90s steps 20
//   /settings reset [<name> ...]                        (no name: every setting)
// Names: vote-window, steps, guidance, fps, extend, max-rounds. Steps, guidance and fps are
// checked against the same limits as /video's (the model's: its step maximum, the frame rates it
// makes); the vote window and rounds against the channel ranges below. What a /video in the channel takes from them: `withChannelDefaults`.
import { closestWords, fpsProblem, type Range, type RequestLimits } from '../contract.js';
import type { GenerationFlow } from '../flow/types.js';
import type { Command, VideoRequest } from './types.js';
import { parseNumber } from './video.js';

export const SETTING_NAMES = [
  'vote-window',
  'steps',
  'guidance',
  'fps',
  'extend',
  'max-rounds',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** Who may extend a channel's video (`/video extend`, a later version). */
export const EXTEND_RULES = ['anyone', 'requester'] as const;
export type ExtendRule = (typeof EXTEND_RULES)[number];
/** Until a channel says otherwise. */
export const DEFAULT_EXTEND_RULE: ExtendRule = 'anyone';

/** A channel's own values; a value left out is the deployment's default. */
export interface ChannelSettings {
  voteWindowSeconds?: number;
  steps?: number;
  guidance?: number;
  fps?: number;
  extendBy?: ExtendRule;
  maxRounds?: number;
}

/** Where each name's value lives. */
export const SETTING_FIELDS: Readonly<Record<SettingName, keyof ChannelSettings>> = {
  'vote-window': 'voteWindowSeconds',
  steps: 'steps',
  guidance: 'guidance',
  fps: 'fps',
  extend: 'extendBy',
  'max-rounds': 'maxRounds',
};

/** The channel ranges (the deployment's own VOTE_WINDOW_SECONDS may be set wider). */
export const CHANNEL_LIMITS = {
  voteWindowSeconds: { min: 10, max: 600 },
  maxRounds: { min: 1, max: 10 },
} as const satisfies Record<string, Range>;

export type SettingsChange =
  | { action: 'set'; values: ChannelSettings }
  /** `names` empty: every setting. */
  | { action: 'reset'; names: SettingName[] };

const WINDOW = CHANNEL_LIMITS.voteWindowSeconds;

export const SETTINGS_USAGE =
  "Usage: /settings [show] (this channel's settings); admins: /settings set <name> <value> ..., /settings reset [name ...]\n" +
  `Names: vote-window (${WINDOW.min}s to ${WINDOW.max / 60}m), steps, guidance, fps, extend (${EXTEND_RULES.join(' or ')}), ` +
  `max-rounds (${CHANNEL_LIMITS.maxRounds.min} to ${CHANNEL_LIMITS.maxRounds.max})\n` +
  'Example: /settings set vote-window 90s steps 20 max-rounds 3';

type Parsed = { ok: true; value: Command } | { ok: false; problems: string[] };

/** `vote_window`, `--steps`, `Max-Rounds` → the setting's name, else undefined. */
function settingName(word: string): SettingName | undefined {
  const name = word.replace(/^--?/, '').toLowerCase().replace(/_/g, '-');
  return (SETTING_NAMES as readonly string[]).includes(name) ? (name as SettingName) : undefined;
}

function unknownSetting(word: string): string {
  const close = closestWords(word.replace(/^--?/, '').toLowerCase(), SETTING_NAMES, 1)[0];
  const hint = close ? `did you mean ${close}? ` : '';
  return `unknown setting "${word}" (${hint}allowed: ${SETTING_NAMES.join(', ')})`;
}

/** `90`, `90s`, `2m`, `1m30s` → seconds in the channel range, or what is wrong. */
function parseVoteWindow(value: string, problems: string[]): number | undefined {
  const match = /^(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s(?:ec)?)?$|^(\d+)$/i.exec(value.trim());
  const seconds =
    match && value.trim() !== ''
      ? match[3] !== undefined
        ? Number(match[3])
        : Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)
      : undefined;
  const { min, max } = WINDOW;
  if (seconds === undefined || seconds < min || seconds > max) {
    problems.push(
      `vote-window must be from ${min}s to ${max / 60}m, written like 90s, 2m or 1m30s (got "${value}")`,
    );
    return undefined;
  }
  return seconds;
}

function parseExtend(value: string, problems: string[]): ExtendRule | undefined {
  const rule = value.trim().toLowerCase();
  if ((EXTEND_RULES as readonly string[]).includes(rule)) return rule as ExtendRule;
  problems.push(`extend must be ${EXTEND_RULES.join(' or ')} (got "${value}")`);
  return undefined;
}

/** One name's value, typed and checked, into `values`. */
function setValue(
  values: ChannelSettings,
  name: SettingName,
  value: string,
  limits: RequestLimits,
  problems: string[],
): void {
  let typed: number | ExtendRule | undefined;
  switch (name) {
    case 'vote-window':
      typed = parseVoteWindow(value, problems);
      break;
    case 'steps':
      typed = parseNumber('steps', value, limits.steps, true, problems);
      break;
    case 'guidance':
      typed = parseNumber('guidance', value, limits.guidance, false, problems);
      break;
    case 'fps': {
      // As /video --fps: a whole number in range, then a rate this model makes.
      typed = parseNumber('fps', value, limits.fps, true, problems);
      const refused = typed === undefined ? undefined : fpsProblem(typed, limits);
      if (refused) {
        problems.push(refused);
        typed = undefined;
      }
      break;
    }
    case 'extend':
      typed = parseExtend(value, problems);
      break;
    case 'max-rounds':
      typed = parseNumber('max-rounds', value, CHANNEL_LIMITS.maxRounds, true, problems);
      break;
  }
  if (typed !== undefined) Object.assign(values, { [SETTING_FIELDS[name]]: typed });
}

/** `name value` pairs (or `name=value`), every problem at once. */
function parseSet(args: readonly string[], limits: RequestLimits): Parsed {
  const problems: string[] = [];
  const values: ChannelSettings = {};
  const seen = new Set<SettingName>();
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    const [rawName, inline] = word.includes('=')
      ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]
      : [word, undefined];
    const name = settingName(rawName);
    const value = inline ?? args[i + 1];
    if (inline === undefined) i++;
    if (!name) {
      problems.push(unknownSetting(rawName));
      continue;
    }
    if (value === undefined || value === '') {
      problems.push(`${name} needs a value`);
      continue;
    }
    if (seen.has(name)) {
      problems.push(`${name} is given twice`);
      continue;
    }
    seen.add(name);
    setValue(values, name, value, limits, problems);
  }
  if (args.length === 0) problems.push('say what to set: a name and its value');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { kind: 'settings-change', change: { action: 'set', values } } };
}

function parseReset(args: readonly string[]): Parsed {
  const names: SettingName[] = [];
  const problems: string[] = [];
  for (const word of args) {
    const name = settingName(word);
    if (!name) problems.push(unknownSetting(word));
    else if (!names.includes(name)) names.push(name);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { kind: 'settings-change', change: { action: 'reset', names } } };
}

export function parseSettingsArgs(args: readonly string[], limits: RequestLimits): Parsed {
  const [action, ...rest] = args;
  switch (action?.toLowerCase()) {
    case undefined:
    case 'show':
      if (rest.length > 0) return { ok: false, problems: ['/settings show takes nothing more'] };
      return { ok: true, value: { kind: 'settings-show' } };
    case 'set':
      return parseSet(rest, limits);
    case 'reset':
      return parseReset(rest);
    default: {
      const close = closestWords(action.toLowerCase(), ['show', 'set', 'reset'], 1)[0];
      const hint = close ? `did you mean ${close}? ` : '';
      return {
        ok: false,
        problems: [`unknown /settings action "${action}" (${hint}allowed: show, set, reset)`],
      };
    }
  }
}

/**
 * A /video in a channel: its own steps, guidance and fps win, else the channel's (when the model
 * still allows them: a model changed since may allow fewer steps, or other rates), else the
 * model's.
 */
export function withChannelDefaults(
  request: VideoRequest,
  settings: ChannelSettings,
  limits: RequestLimits,
): VideoRequest {
  const fits = (value: number | undefined, range: Range) =>
    value !== undefined && value >= range.min && value <= range.max;
  return {
    ...request,
    ...(request.steps === undefined && fits(settings.steps, limits.steps)
      ? { steps: settings.steps as number }
      : {}),
    ...(request.guidance === undefined && fits(settings.guidance, limits.guidance)
      ? { guidance: settings.guidance as number }
      : {}),
    ...(request.fps === undefined &&
    settings.fps !== undefined &&
    fpsProblem(settings.fps, limits) === undefined
      ? { fps: settings.fps }
      : {}),
  };
}

/** The vote window and round limit a channel's generation runs under. */
export function channelFlow(settings: ChannelSettings): GenerationFlow {
  return {
    ...(settings.voteWindowSeconds !== undefined
      ? { voteWindowMs: settings.voteWindowSeconds * 1000 }
      : {}),
    ...(settings.maxRounds !== undefined ? { maxRounds: settings.maxRounds } : {}),
  };
}
