// The only module that imports onnxruntime-node: sessions, execution providers, tensors.
// Everything else passes plain typed arrays with their dims.
import * as ort from 'onnxruntime-node';
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

export async function openSession(
  modelPath: string,
  options: Pick<EngineOptions, 'provider' | 'intraOpThreads' | 'interOpThreads'>,
): Promise<Session> {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: EXECUTION_PROVIDERS[options.provider],
    intraOpNumThreads: options.intraOpThreads,
    interOpNumThreads: options.interOpThreads,
    graphOptimizationLevel: 'all',
  });
  return {
    inputs: signatures(session.inputMetadata),
    outputs: signatures(session.outputMetadata),
    async run(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) {
        ortFeeds[name] = new ort.Tensor(feed.type, feed.data, feed.dims);
      }
      const results = await session.run(ortFeeds);
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
