// The sampling options /video and /extend share (seed, steps, guidance, scheduler, negative),
// bounded in the client by the contract's limits for any model; the core checks them again
// with the running model's.
import type {
  SlashCommandIntegerOption,
  SlashCommandNumberOption,
  SlashCommandStringOption,
} from 'discord.js';
import { REQUEST_LIMITS as limits } from '../../../core/contract.js';

export const seedOption = (option: SlashCommandIntegerOption) =>
  option
    .setName('seed')
    .setDescription('Random seed, to make the same frames again')
    .setMinValue(limits.seed.min)
    .setMaxValue(limits.seed.max);

export const stepsOption = (option: SlashCommandIntegerOption) =>
  option
    .setName('steps')
    .setDescription("Denoising steps (default: the model's)")
    .setMinValue(limits.steps.min)
    .setMaxValue(limits.steps.max);

export const guidanceOption = (option: SlashCommandNumberOption) =>
  option
    .setName('guidance')
    .setDescription("How closely to follow the prompt (default: the model's)")
    .setMinValue(limits.guidance.min)
    .setMaxValue(limits.guidance.max);

export const schedulerOption = (option: SlashCommandStringOption) =>
  option
    .setName('scheduler')
    .setDescription("Sampler (default: the model's)")
    .addChoices(...limits.schedulers.map((name) => ({ name, value: name })));

export const negativeOption = (option: SlashCommandStringOption) =>
  option
    .setName('negative')
    .setDescription('What the frames should not show')
    .setMaxLength(limits.negativeMaxChars);

/** The options Discord parsed, as the strings the core's structured parse reads. */
export function optionValues(
  options: readonly { name: string; value?: string | number | boolean | undefined }[],
  skip: readonly string[] = [],
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const option of options) {
    if (!skip.includes(option.name) && option.value !== undefined) {
      values[option.name] = String(option.value);
    }
  }
  return values;
}
