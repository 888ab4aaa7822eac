// The queue's GenerationEngine port (src/queue/engine-port.ts) on the real ONNX engine
// (src/engine). The queue loads this module inside its engine thread (`engineModuleRef`), so
// the engine runs in-process there: the thread already keeps the worker's main thread free.
import { fileURLToPath } from 'node:url';
import { loadEngine, type Engine } from '../../engine/index.js';
import type {
  AnimationOutput,
  AnimationRequest,
  CandidatesOutput,
  CandidatesRequest,
  EngineModuleRef,
  GenerationEngine,
} from '../../queue/engine-port.js';

/** Plain data, since it crosses into the engine thread. */
export interface OnnxEngineOptions {
  modelDir: string;
  provider?: 'cpu' | 'cuda';
  /** Threads inside one operator; 0 lets onnxruntime choose. */
  threads?: number;
  /** Largest MP4/GIF produced (the chat platforms' upload limit). */
  maxMediaBytes?: number;
}

/** What a worker passes to `startWorker({ engineFactory })`. */
export function onnxEngineModule(options: OnnxEngineOptions): EngineModuleRef {
  return { module: fileURLToPath(import.meta.url), exportName: 'createEngine', options };
}

export async function createEngine(options: OnnxEngineOptions): Promise<GenerationEngine> {
  const engine = await loadEngine(options.modelDir, {
    useWorker: false,
    provider: options.provider ?? 'cpu',
    intraOpThreads: options.threads ?? 0,
    ...(options.maxMediaBytes ? { maxMediaBytes: options.maxMediaBytes } : {}),
  });
  return new OnnxGenerationEngine(engine);
}

/** The queue's requests already use the engine's names (the request contract's). */
class OnnxGenerationEngine implements GenerationEngine {
  constructor(private readonly engine: Engine) {}

  async generateCandidates(request: CandidatesRequest): Promise<CandidatesOutput> {
    const result = await this.engine.generateCandidates(request);
    return {
      candidates: result.candidates.map((candidate) => candidate.png),
      grid: result.grid,
      seeds: result.candidates.map((candidate) => candidate.seed),
    };
  }

  async animate(request: AnimationRequest): Promise<AnimationOutput> {
    const result = await this.engine.animate(request);
    return { mp4: result.mp4, gif: result.gif, seed: result.settings.seed };
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}
