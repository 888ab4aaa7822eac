// A slash command as one module (discord.js guide style): the registration data that the
// deploy script sends to Discord, and how an invocation becomes the bot core's command.
import type {
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

/** What the bot core receives: the command line, and for /video the options Discord parsed. */
export interface CommandInput {
  text: string;
  options?: Record<string, string>;
}

export interface SlashCommand {
  /** Sent as is by `npm run discord:deploy-commands`. */
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** true: the reply is seen by the caller only (/history, /quota); false: by the channel. */
  ephemeral: boolean;
  toInput(interaction: ChatInputCommandInteraction): CommandInput;
  /**
   * The choices for an option registered with `autocomplete: true`, as the member types it
   * (`value`): what `value` may become, at most AUTOCOMPLETE.most of AUTOCOMPLETE.maxChars.
   */
  complete?(option: { name: string; value: string }, context: CompletionContext): string[];
}

/** What completing an option may draw on. */
export interface CompletionContext {
  /** The words the model knows; undefined: it takes any words. */
  vocabulary?: ReadonlySet<string> | undefined;
}

/** Discord's bounds on an autocomplete answer: 25 choices, names and values of 100 characters. */
export const AUTOCOMPLETE = { most: 25, maxChars: 100 } as const;
