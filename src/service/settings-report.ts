// Replies to /settings (Slack: /video-settings): a channel's values and which are defaults, and
// what an admin's change did, as plain text.
import {
  type ChannelSettings,
  SETTING_FIELDS,
  SETTING_NAMES,
  type SettingName,
  type SettingsChange,
} from '../core/commands/settings.js';

/** The deployment's values, for the settings a channel has not set. Steps, guidance and fps
 * left out are the model's own. */
export type SettingDefaults = Pick<ChannelSettings, 'voteWindowSeconds' | 'maxRounds' | 'extendBy'>;

/** 90 → "90s", 120 → "2m": as /settings set takes it. */
export function formatSeconds(seconds: number): string {
  return seconds >= 60 && seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

function shown(name: SettingName, value: ChannelSettings[keyof ChannelSettings]): string {
  if (value === undefined) return "the model's own";
  if (name === 'vote-window') return formatSeconds(value as number);
  return String(value);
}

const NOTES: Partial<Record<SettingName, string>> = {
  extend: 'who may extend a video with /video extend, coming in a later version',
};

/** The answer to `/settings show`; `command` is how the platform names it. */
export function settingsReport(
  settings: ChannelSettings,
  defaults: SettingDefaults,
  command: string,
): string {
  const lines = SETTING_NAMES.map((name) => {
    const field = SETTING_FIELDS[name];
    const own = settings[field];
    const value =
      own === undefined
        ? `${shown(name, defaults[field as keyof SettingDefaults])} (default)`
        : `${shown(name, own)} (set here)`;
    const note = NOTES[name] ? `; ${NOTES[name]}` : '';
    return `• ${name}: ${value}${note}`;
  });
  return [
    'Settings in this channel:',
    ...lines,
    `A /video here takes these unless it names its own steps or guidance. Admins change them with ${command} set <name> <value>, ${command} reset [name].`,
  ].join('\n');
}

/** "vote-window set to 90s, steps set to 20", "steps and extend back to their defaults". */
export function describeSettingsChange(change: SettingsChange): string {
  if (change.action === 'reset') {
    if (change.names.length === 0) return 'every setting in this channel is back to its default';
    const names = change.names.join(', ');
    return `${names} ${change.names.length === 1 ? 'is' : 'are'} back to the default in this channel`;
  }
  const set = SETTING_NAMES.filter((name) => change.values[SETTING_FIELDS[name]] !== undefined);
  const parts = set.map(
    (name) => `${name} set to ${shown(name, change.values[SETTING_FIELDS[name]])}`,
  );
  return `${parts.join(', ')} in this channel, from the next /video on`;
}
