// The queue's GenerationEngine port (src/queue/engine-port.ts) on the real ONNX engine
// (src/engine), which runs in its own worker thread, keeping the queue worker's main thread free.
import { loadEngine, type Engine } from '../../engine/index.js';
import type {
  AnimationOutput,
  AnimationRequest,
  CandidatesOutput,
  CandidatesRequest,
  GenerationEngine,
} from '../../queue/engine-port.js';

export interface OnnxEngineOptions {
  modelDir: string;
  provider?: 'cpu' | 'cuda';
  /** Threads inside one operator; 0 lets onnxruntime choose. */
  threads?: number;
  /** Largest MP4/GIF produced (the chat platforms' upload limit). */
  maxMediaBytes?: number;
}

export async function createEngine(options: OnnxEngineOptions): Promise<GenerationEngine> {
  const engine = await loadEngine(options.modelDir, {
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
