// Which model folder the product runs, and what requests it takes (so `/video` refuses what the
// model would refuse before anything is queued).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import type { RequestLimits } from '../core/contract.js';
import { readModelFolder } from '../engine/model-folder.js';
import { requestLimitsOf } from '../engine/requests.js';
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

/** What `/video` accepts with this model: the contract's limits narrowed by the model folder
 * (its words, its text length, its step maximum and schedulers), read as the engine reads them. */
export function modelRequestLimits(modelDir: string): RequestLimits {
  return requestLimitsOf(readModelFolder(modelDir));
}
