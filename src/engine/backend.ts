// The only module that imports onnxruntime-node: sessions, execution providers, tensors.
// Everything else passes plain typed arrays with their dims.
import { existsSync, rmSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { cachedGraph, ensureCacheDir } from './graph-cache.js';
import type { EngineOptions, ExecutionProvider } from './options.js';

/** Provider name -> onnxruntime execution providers, tried in order. */
const EXECUTION_PROVIDERS: Record<ExecutionProvider, string[]> = {
  cpu: ['cpu'],
  cuda: ['cuda', 'cpu'],
};

export type FeedTensor =
  | { type: 'float32'; data: Float32Array; dims: readonly number[] }
  | { type: 'int64'; data: BigInt64Array; dims: readonly number[] };

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** One input or output as the ONNX file declares it; symbolic dims are strings. */
export interface TensorSignature {
  name: string;
  type: string;
  shape: readonly (number | string)[];
}

export interface Session {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  run(feeds: Record<string, FeedTensor>): Promise<Record<string, OutputTensor>>;
  release(): Promise<void>;
}

function signatures(metadata: readonly ort.InferenceSession.ValueMetadata[]): TensorSignature[] {
  return metadata.map((m) =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: m.shape }
      : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

/** The engine options a session uses; no `graphCacheDir` means no cache. */
export type SessionSettings = Pick<
  EngineOptions,
  'provider' | 'intraOpThreads' | 'interOpThreads'
> &
  Partial<Pick<EngineOptions, 'graphCacheDir'>>;

/** The level the graph is optimised at, fresh or for the cache. */
const OPTIMIZATION_LEVEL = 'all';

/**
 * onnxruntime's session options. The thread pools never spin: a spinning pool waits for work by
 * burning its cores, which cost 1.35-1.6x in issue 33's profile whenever anything else wanted
 * them (a second engine, ffmpeg, the bot).
 */
export function sessionOptionsOf(
  options: SessionSettings,
  graphOptimizationLevel: ort.InferenceSession.SessionOptions['graphOptimizationLevel'] = OPTIMIZATION_LEVEL,
): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: EXECUTION_PROVIDERS[options.provider],
    intraOpNumThreads: options.intraOpThreads,
    interOpNumThreads: options.interOpThreads,
    graphOptimizationLevel,
    // Warnings only (writing an optimised graph logs one about hardware-specific kernels).
    logSeverityLevel: 3,
    extra: {
      session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } },
    },
  };
}

/** What makes an optimised graph differ, besides the model file (graph-cache.ts). */
function runtimeKey(options: SessionSettings): string {
  const version = ort.env.versions.node ?? ort.env.versions.common;
  return `onnxruntime-node ${version} ${OPTIMIZATION_LEVEL} ${options.provider}`;
}

/**
 * An onnxruntime session of the model file. With `graphCacheDir`, the first open writes the
 * optimised graph there and later opens load it without optimising again (graph-cache.ts).
 */
async function createSession(
  modelPath: string,
  options: SessionSettings,
): Promise<ort.InferenceSession> {
  const cacheDir = options.graphCacheDir;
  if (!cacheDir || !ensureCacheDir(cacheDir)) {
    return ort.InferenceSession.create(modelPath, sessionOptionsOf(options));
  }
  const entry = cachedGraph(cacheDir, modelPath, runtimeKey(options));
  if (existsSync(entry.file)) {
    try {
      return await ort.InferenceSession.create(entry.file, sessionOptionsOf(options, 'disabled'));
    } catch {
      rmSync(entry.file, { force: true }); // unreadable: optimise again and rewrite it
    }
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      ...sessionOptionsOf(options),
      optimizedModelFilePath: entry.partial,
    });
  } catch {
    // Writing the graph failed (or the model does not load: then this throws the same error).
    rmSync(entry.partial, { force: true });
    return ort.InferenceSession.create(modelPath, sessionOptionsOf(options));
  }
  try {
    entry.commit();
  } catch {
    rmSync(entry.partial, { force: true }); // not cached this time; the session still works
  }
  return session;
}

let runMs = 0;

/** Milliseconds this thread has spent inside onnxruntime's run() (bench/engine.ts). */
export function sessionRunMs(): number {
  return runMs;
}

/** Counts time this thread waited for run() calls of its helper threads (unet-lanes.ts). */
export function addSessionRunMs(ms: number): void {
  runMs += ms;
}

export async function openSession(modelPath: string, options: SessionSettings): Promise<Session> {
  const session = await createSession(modelPath, options);
  return {
    inputs: signatures(session.inputMetadata),
    outputs: signatures(session.outputMetadata),
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) {
        ortFeeds[name] = new ort.Tensor(feed.type, feed.data, feed.dims);
      }
      const started = performance.now();
      const results = await session.run(ortFeeds);
      runMs += performance.now() - started;
      const out: Record<string, OutputTensor> = {};
      for (const [name, value] of Object.entries(results)) {
        if (value.type !== 'float32') {
          throw new Error(`output ${name} is ${value.type}; the engine expects float32`);
        }
        out[name] = { data: value.data as Float32Array, dims: value.dims };
      }
      return out;
    },
    release: () => session.release(),
  };
}

export function float32(data: Float32Array, dims: readonly number[]): FeedTensor {
  return { type: 'float32', data, dims };
}

export function int64(data: BigInt64Array, dims: readonly number[]): FeedTensor {
  return { type: 'int64', data, dims };
}
