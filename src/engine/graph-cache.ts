// Where onnxruntime's optimised graph of a model file is kept between runs (per machine).
// Optimising a graph costs about as much as loading it; the cached file skips that work.
// The file's name holds a hash of the model file's path and a key of everything that changes
// the optimised graph: the model's size and modification time, the onnxruntime version, the
// optimisation level, the provider and the CPU. A changed model gets a new name, and writing
// it removes the model's older cached graphs.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import path from 'node:path';

/** The OS's per-user cache folder: $XDG_CACHE_HOME or ~/.cache, then firstframe/ort. */
export function defaultGraphCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || path.join(homedir(), '.cache');
  return path.join(base, 'firstframe', 'ort');
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

export interface CachedGraph {
  /** The cached graph's path: load it when it exists. */
  file: string;
  /** Where to have onnxruntime write it, then `commit()` moves it to `file`. */
  partial: string;
  /** Moves the written graph into place and removes this model's older graphs. */
  commit(): void;
}

/** The cache entry of `modelPath` under `runtimeKey` (onnxruntime version, level, provider). */
export function cachedGraph(cacheDir: string, modelPath: string, runtimeKey: string): CachedGraph {
  const absolute = path.resolve(modelPath);
  const { size, mtimeMs } = statSync(absolute);
  const prefix = `${path.basename(path.dirname(absolute))}-${hash(absolute)}-`;
  const key = hash(JSON.stringify([size, mtimeMs, runtimeKey, cpus()[0]?.model ?? '']));
  const file = path.join(cacheDir, `${prefix}${key}.onnx`);
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  return {
    file,
    partial,
    commit() {
      renameSync(partial, file);
      for (const name of readdirSync(cacheDir)) {
        if (
          name.startsWith(prefix) &&
          path.join(cacheDir, name) !== file &&
          !name.endsWith('.partial')
        ) {
          rmSync(path.join(cacheDir, name), { force: true });
        }
      }
    },
  };
}

/** Creates the cache folder; false when it cannot be written (the engine then runs uncached). */
export function ensureCacheDir(cacheDir: string): boolean {
  try {
    mkdirSync(cacheDir, { recursive: true });
    return statSync(cacheDir).isDirectory();
  } catch {
    return false;
  }
}
