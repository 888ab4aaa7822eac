// Reads a model folder (docs/model-format.md) and checks it: manifest, scheduler config,
// tokenizer, and that each ONNX file's inputs/outputs match what the manifest declares.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import type { Session, TensorSignature } from './backend.js';
import { ModelFormatError } from './errors.js';
import {
  COMPONENT_IO,
  COMPONENT_NAMES,
  KNOWN_COMPONENT_NAMES,
  manifestSchema,
  type ComponentSpec,
  type Manifest,
} from './manifest.js';
import { schedulerConfigSchema, type SchedulerConfig } from './schedulers/index.js';
import { PromptTokenizer } from './tokenizer.js';

export interface ModelFolder {
  dir: string;
  manifest: Manifest;
  schedulerConfig: SchedulerConfig;
  tokenizer: PromptTokenizer;
}

function readJson<T>(dir: string, file: string, schema: z.ZodType<T>): T {
  const path = join(dir, file);
  if (!existsSync(path)) throw new ModelFormatError(`model folder ${dir} has no ${file}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelFormatError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ModelFormatError(`${path} does not match docs/model-format.md: ${problems}`);
  }
  return parsed.data;
}

export function readModelFolder(dir: string): ModelFolder {
  const absolute = resolve(dir);
  if (!existsSync(absolute)) {
    throw new ModelFormatError(`model folder ${absolute} does not exist`);
  }
  const manifest = readJson(absolute, 'model_index.json', manifestSchema);
  for (const name of COMPONENT_NAMES) {
    if (!manifest.components[name]) {
      throw new ModelFormatError(
        `model_index.json in ${absolute} lists no "${name}" component; ` +
          `required: ${COMPONENT_NAMES.join(', ')}`,
      );
    }
  }
  for (const name of KNOWN_COMPONENT_NAMES) {
    const spec = manifest.components[name];
    if (!spec) continue;
    checkNames(name, 'input', Object.keys(spec.inputs), COMPONENT_IO[name].inputs, 'manifest');
    checkNames(name, 'output', Object.keys(spec.outputs), COMPONENT_IO[name].outputs, 'manifest');
    if (!existsSync(join(absolute, spec.path))) {
      throw new ModelFormatError(`component ${name}: file ${join(absolute, spec.path)} is missing`);
    }
  }
  const schedulerConfig = readJson(absolute, 'scheduler_config.json', schedulerConfigSchema);
  const tokenizer = PromptTokenizer.fromFolder(absolute, manifest.text);
  return { dir: absolute, manifest, schedulerConfig, tokenizer };
}

function checkNames(
  component: string,
  kind: 'input' | 'output',
  actual: readonly string[],
  expected: readonly string[],
  where: string,
): void {
  const missing = expected.filter((name) => !actual.includes(name));
  if (missing.length > 0) {
    throw new ModelFormatError(
      `component ${component}: ${where} lacks ${kind}(s) ${missing.join(', ')}; ` +
        `expected ${expected.join(', ')}, found ${actual.join(', ') || 'none'}`,
    );
  }
}

/** Compares an opened ONNX session with the manifest's declared names and fixed dims. */
export function checkSessionMatchesManifest(
  name: string,
  spec: ComponentSpec,
  session: Pick<Session, 'inputs' | 'outputs'>,
): void {
  for (const kind of ['input', 'output'] as const) {
    const declared = kind === 'input' ? spec.inputs : spec.outputs;
    const actual: readonly TensorSignature[] = kind === 'input' ? session.inputs : session.outputs;
    checkNames(
      name,
      kind,
      actual.map((s) => s.name),
      Object.keys(declared),
      'ONNX file',
    );
    for (const signature of actual) {
      const expected = declared[signature.name];
      if (!expected || signature.shape.length === 0) continue;
      const fixedMismatch =
        expected.length !== signature.shape.length ||
        expected.some((dim, i) => {
          const real = signature.shape[i];
          return typeof dim === 'number' && typeof real === 'number' && real > 0 && dim !== real;
        });
      if (fixedMismatch) {
        throw new ModelFormatError(
          `component ${name}: ${kind} ${signature.name} has shape [${signature.shape.join(', ')}] ` +
            `in the ONNX file but [${expected.join(', ')}] in model_index.json`,
        );
      }
    }
  }
}
