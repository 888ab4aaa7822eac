// Prompt -> token ids with the model's tokenizer.json (Hugging Face tokenizers library).
// The vocabulary holds whole words, so a word the model does not know comes back as the
// unknown token; the engine reports those words instead of silently ignoring them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelFormatError } from './errors.js';

export interface TextSpec {
  max_length: number;
  pad_token_id: number;
  unk_token: string;
}

export interface EncodedPrompt {
  /** Exactly max_length ids, padded with pad_token_id (over-long prompts are truncated). */
  ids: number[];
  /** 1 for a token, 0 for padding. */
  mask: number[];
  /** The tokens before padding/truncation, one per word or punctuation run. */
  tokens: string[];
}

/** The Whitespace pre-tokenizer's split (\w+ | runs of other non-space characters). */
const WORD_PATTERN = /\w+|[^\w\s]+/gu;

export class PromptTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly spec: TextSpec,
    private readonly vocabulary: ReadonlySet<string>,
  ) {}

  static fromFolder(dir: string, spec: TextSpec): PromptTokenizer {
    const read = (file: string): Record<string, unknown> => {
      try {
        return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      } catch (error) {
        throw new ModelFormatError(`cannot read ${join(dir, file)}: ${(error as Error).message}`);
      }
    };
    const json = read('tokenizer.json');
    const config = read('tokenizer_config.json');
    const tokenizer = new Tokenizer(json, config);
    const vocabulary = new Set<string>(tokenizer.get_vocab().keys());
    if (!vocabulary.has(spec.unk_token)) {
      throw new ModelFormatError(`tokenizer.json in ${dir} has no unknown token ${spec.unk_token}`);
    }
    return new PromptTokenizer(tokenizer, spec, vocabulary);
  }

  get maxLength(): number {
    return this.spec.max_length;
  }

  encode(prompt: string): EncodedPrompt {
    const tokens = this.tokenizer.tokenize(prompt);
    const raw = this.tokenizer.encode(prompt).ids.slice(0, this.spec.max_length);
    const padding = this.spec.max_length - raw.length;
    return {
      ids: [...raw, ...new Array<number>(padding).fill(this.spec.pad_token_id)],
      mask: [...new Array<number>(raw.length).fill(1), ...new Array<number>(padding).fill(0)],
      tokens,
    };
  }

  /** Words of the prompt (lowercased, as the tokenizer splits them) that are not in the
   * vocabulary, in order of appearance. */
  unknownWords(prompt: string): string[] {
    const words = prompt.toLowerCase().match(WORD_PATTERN) ?? [];
    return words.filter((word) => !this.vocabulary.has(word));
  }

  /** The words a prompt may use (no special tokens), sorted. */
  knownWords(): string[] {
    return [...this.vocabulary].filter((word) => !/^\[.*\]$/.test(word)).sort();
  }

  /** Batched ids and attention mask as int64, row-major [prompts.length, max_length]. */
  encodeBatch(prompts: readonly string[]): { ids: BigInt64Array; mask: BigInt64Array } {
    const L = this.spec.max_length;
    const ids = new BigInt64Array(prompts.length * L);
    const mask = new BigInt64Array(prompts.length * L);
    prompts.forEach((prompt, row) => {
      const encoded = this.encode(prompt);
      for (let i = 0; i < L; i++) {
        ids[row * L + i] = BigInt(encoded.ids[i]!);
        mask[row * L + i] = BigInt(encoded.mask[i]!);
      }
    });
    return { ids, mask };
  }
}
