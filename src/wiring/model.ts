// Which model folder the product runs, and the words it knows (for rejecting unknown words
// in `/video` before anything is queued).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { SHIPPED_MODEL_NAME, SHIPPED_MODEL_SETTING } from '../config/shipped-model.js';
import type { Logger } from '../log.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The tiny test model (tests only: its pictures are noise). */
export const TINY_MODEL_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'tiny-model');
export const DEFAULT_MODEL_DIR = path.join(REPO_ROOT, 'models', SHIPPED_MODEL_NAME);

export class ModelMissingError extends Error {
  override name = 'StartupError'; // printed as is by run-process, without a stack trace
}

const isModelFolder = (dir: string) => existsSync(path.join(dir, 'model_index.json'));

/** MODEL_DIR's default value (src/config/schema.ts): the shipped model in this checkout. */
export const DEFAULT_MODEL_SETTING = SHIPPED_MODEL_SETTING;

/**
 * The model folder to run. An explicit MODEL_DIR must be a model folder. Left at its default,
 * it means this checkout's shipped model folder, whatever the working directory.
 */
export function resolveModelDir(config: Config, log: Logger): string {
  if (isModelFolder(config.modelDir)) return config.modelDir;
  if (config.env.MODEL_DIR === DEFAULT_MODEL_SETTING && isModelFolder(DEFAULT_MODEL_DIR)) {
    log.debug({ modelDir: DEFAULT_MODEL_DIR }, 'using the shipped model of this checkout');
    return DEFAULT_MODEL_DIR;
  }
  throw new ModelMissingError(
    `no model folder at ${config.modelDir} (model_index.json missing). ` +
      'Set MODEL_DIR to a folder laid out as docs/model-format.md describes.',
  );
}

/** Lower-case words of the model's tokenizer.json, without special tokens like [UNK]. */
export function modelVocabulary(modelDir: string): Set<string> {
  const file = path.join(modelDir, 'tokenizer.json');
  const tokenizer = JSON.parse(readFileSync(file, 'utf8')) as {
    model?: { vocab?: Record<string, number> };
  };
  const vocab = tokenizer.model?.vocab;
  if (!vocab) throw new ModelMissingError(`${file} has no model.vocab: not a word-level tokenizer`);
  return new Set(
    Object.keys(vocab)
      .filter((word) => !/^\[.*\]$/.test(word))
      .map((word) => word.toLowerCase()),
  );
}
