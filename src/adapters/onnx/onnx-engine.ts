// The queue's GenerationEngine port (src/queue/engine-port.ts) on the real ONNX engine
// (src/engine). Each engine runs in its own worker thread, keeping the queue worker's main
// thread free, and runs one job at a time; with `engines: n` the worker runs n of them and
// gives each job to the least busy one, so n jobs run at once (one per core, README
// "Configuration").
import { fpsProblem } from '../../core/contract.js';
import {
  encodeContinuationPreview,
  encodePng,
  loadEngine,
  type Engine,
} from '../../engine/index.js';
import { EngineInputError } from '../../engine/errors.js';
import type {
  AnimationOutput,
  AnimationRequest,
  CandidatesOutput,
  CandidatesRequest,
  ContinuationsOutput,
  ContinuationsRequest,
  GenerationEngine,
} from '../../queue/engine-port.js';

export interface OnnxEngineOptions {
  modelDir: string;
  provider?: 'cpu' | 'cuda';
  /** Threads inside one operator, per engine (default 1); 0 lets onnxruntime choose. */
  threads?: number;
  /** Engines (threads), each running one job at a time (default 1). */
  engines?: number;
  /** Largest MP4/GIF produced (the chat platforms' upload limit). */
  maxMediaBytes?: number;
  /** Where onnxruntime's optimised graphs are kept between runs (default: nowhere). */
  graphCacheDir?: string | null;
}

export async function createEngine(options: OnnxEngineOptions): Promise<GenerationEngine> {
  const load = () =>
    loadEngine(options.modelDir, {
      provider: options.provider ?? 'cpu',
      ...(options.threads === undefined ? {} : { intraOpThreads: options.threads }),
      ...(options.maxMediaBytes ? { maxMediaBytes: options.maxMediaBytes } : {}),
      graphCacheDir: options.graphCacheDir ?? null,
    });
  // The first alone: it writes the optimised graphs that the others then read.
  const engines = [await load()];
  try {
    while (engines.length < (options.engines ?? 1)) engines.push(await load());
  } catch (error) {
    await Promise.all(engines.map((engine) => engine.close()));
    throw error;
  }
  return new OnnxGenerationEngine(engines);
}

/** The queue's requests already use the engine's names (the request contract's). */
class OnnxGenerationEngine implements GenerationEngine {
  private readonly busy: number[];

  constructor(private readonly engines: Engine[]) {
    this.busy = engines.map(() => 0);
  }

  /** Runs `work` on the engine with the fewest jobs in flight. */
  private async onIdlest<T>(work: (engine: Engine) => Promise<T>): Promise<T> {
    const index = this.busy.indexOf(Math.min(...this.busy));
    this.busy[index]!++;
    try {
      return await work(this.engines[index]!);
    } finally {
      this.busy[index]!--;
    }
  }

  async generateCandidates(request: CandidatesRequest): Promise<CandidatesOutput> {
    const result = await this.onIdlest((engine) => engine.generateCandidates(request));
    return {
      candidates: result.candidates.map((candidate) => candidate.png),
      grid: result.grid,
      seeds: result.candidates.map((candidate) => candidate.seed),
    };
  }

  async animate({ fps, ...request }: AnimationRequest): Promise<AnimationOutput> {
    const interpolate = fps === undefined ? {} : { interpolate: this.interpolates(fps) };
    const result = await this.onIdlest((engine) => engine.animate({ ...request, ...interpolate }));
    return { mp4: result.mp4, gif: result.gif, seed: result.settings.seed };
  }

  /** Each seed's extend of the story, spread over the engines; then each one's first new frame
   * (PNG) and the preview GIF of their new frames (the grid's layout, the model's fps). */
  async continuations({
    seeds,
    onProgress,
    ...request
  }: ContinuationsRequest): Promise<ContinuationsOutput> {
    // One progress for the four: each stage's steps summed over them, out of four times one's.
    const done = seeds.map(() => new Map<string, number>());
    const results = await Promise.all(
      seeds.map((seed, i) =>
        this.onIdlest((engine) =>
          engine.extend({
            ...request,
            seed,
            onProgress: ({ stage, step, total }) => {
              done[i]!.set(stage, step);
              const steps = done.reduce((sum, stages) => sum + (stages.get(stage) ?? 0), 0);
              onProgress?.({ stage, step: steps, total: total * seeds.length });
            },
          }),
        ),
      ),
    );
    const { image, video, limits, displaySize } = this.engines[0]!.describe();
    const frameBytes = image.width * image.height * 3;
    const [firstFrames, preview] = await Promise.all([
      Promise.all(results.map((result) => encodePng(result.added.subarray(0, frameBytes), image))),
      encodeContinuationPreview(
        results.map((result) => result.added),
        results[0]!.newFrames,
        image,
        { cellSize: displaySize, fps: video.fps, maxBytes: limits.maxMediaBytes },
      ),
    ]);
    return {
      firstFrames,
      preview,
      videos: results.map((result) => ({ mp4: result.mp4, gif: result.gif })),
      seeds: results.map((result) => result.settings.seed),
    };
  }

  /** `fps` as the engine makes it: the model's own rate, or twice it by interpolation (where
   * its video model was trained for that); any other rate is refused naming the ones it makes. */
  private interpolates(fps: number): boolean {
    const { limits, video } = this.engines[0]!.describe();
    const problem = fpsProblem(fps, limits);
    if (problem) throw new EngineInputError('fps', problem);
    return fps !== video.fps;
  }

  async close(): Promise<void> {
    await Promise.all(this.engines.map((engine) => engine.close()));
  }
}
