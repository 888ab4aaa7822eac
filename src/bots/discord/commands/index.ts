// Every slash command, checked once when loaded: unique names and valid registration data.
import { extendCommand } from './extend.js';
import { helpCommand } from './help.js';
import { historyCommand } from './history.js';
import { infoCommand } from './info.js';
import { queueCommand } from './queue.js';
import { quotaAdminCommand } from './quota-admin.js';
import { quotaCommand } from './quota.js';
import { settingsCommand } from './settings.js';
import type { SlashCommand } from './types.js';
import { videoCommand } from './video.js';

export { AUTOCOMPLETE, type CommandInput, type SlashCommand } from './types.js';

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  videoCommand,
  extendCommand,
  historyCommand,
  quotaCommand,
  quotaAdminCommand,
  infoCommand,
  queueCommand,
  settingsCommand,
  helpCommand,
];

export function commandsByName(
  commands: readonly SlashCommand[] = SLASH_COMMANDS,
): ReadonlyMap<string, SlashCommand> {
  const byName = new Map<string, SlashCommand>();
  for (const command of commands) {
    const { name, description } = command.data;
    if (!/^[-_\p{L}\p{N}]{1,32}$/u.test(name) || name !== name.toLowerCase()) {
      throw new Error(
        `slash command name "${name}" must be 1-32 lower-case letters, digits, - or _`,
      );
    }
    if (!description || description.length > 100) {
      throw new Error(`slash command /${name} needs a description of 1 to 100 characters`);
    }
    if (byName.has(name)) throw new Error(`slash command /${name} is defined twice`);
    byName.set(name, command);
  }
  return byName;
}
