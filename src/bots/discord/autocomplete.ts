// Autocomplete answers (interaction response type 8): the choices for the option being typed,
// from the command's `complete`. Discord drops an answer later than 3 s; completing is pure and
// immediate, so it is answered at once. The choices' names are their values.
import type { AutocompleteInteraction } from 'discord.js';
import type { Logger } from '../../log.js';
import { AUTOCOMPLETE, type SlashCommand } from './commands/index.js';
import type { CompletionContext } from './commands/types.js';

export async function answerAutocomplete(
  interaction: AutocompleteInteraction,
  command: SlashCommand | undefined,
  context: CompletionContext,
  log: Logger,
): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const values = command?.complete?.({ name: focused.name, value: String(focused.value) }, context);
  const choices = (values ?? [])
    .filter((value) => value.length >= 1 && value.length <= AUTOCOMPLETE.maxChars)
    .slice(0, AUTOCOMPLETE.most)
    .map((value) => ({ name: value, value }));
  try {
    await interaction.respond(choices);
  } catch (error) {
    // Too late or already answered: the member's client shows no choices, nothing else breaks.
    log.debug({ err: error, command: interaction.commandName }, 'autocomplete not answered');
  }
}
