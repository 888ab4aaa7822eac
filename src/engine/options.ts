// Engine settings, passed explicitly by the caller (the config module maps env vars onto these).
import { REQUEST_LIMITS } from '../core/contract.js';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface EngineOptions {
  /** onnxruntime execution provider; `cuda` needs onnxruntime-node installed with cuda12. */
  provider: ExecutionProvider;
  /**
   * Threads inside one operator (0 = onnxruntime chooses: one per core). Default 1: a second
   * thread buys nothing on this model, and a process runs one engine per core instead
   * (WORKER_CONCURRENCY; README "Configuration").
   */
  intraOpThreads: number;
  /** Threads across operators (0 = onnxruntime chooses). */
  interOpThreads: number;
  /**
   * U-Net calls split by batch across this many threads, one intra-op thread each (unet-lanes.ts).
   * 0 (the default): as many as `intraOpThreads` on the CPU provider, since two lanes ran a video
   * U-Net call in 0.75x the time of one session with two threads (bench/README.md). 1: no split.
   */
  unetLanes: number;
  /** Largest MP4 or GIF returned; encoding gets smaller until it fits (Discord: 10 MiB). */
  maxMediaBytes: number;
  /** Largest uploaded image file accepted by animate() (default: the request contract's). */
  maxUploadBytes: number;
  /** Largest uploaded image side in pixels (decompression-bomb guard: checked before decoding). */
  maxUploadSide: number;
  /** Side of the displayed video and grid cells (the model draws 64x64; shown upscaled). */
  displaySize: number;
  /** Run the engine in a worker thread (thread-host.ts); false runs it on the calling thread. */
  useWorker: boolean;
  /**
   * Folder for onnxruntime's optimised graphs, kept between runs (graph-cache.ts); null: none.
   * The CLI and the queue worker use `defaultGraphCacheDir()`.
   */
  graphCacheDir: string | null;
  /** Open the video components' sessions on first use, not at load (the CLI; runtime.ts). */
  deferVideoSessions: boolean;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  provider: 'cpu',
  intraOpThreads: 1,
  interOpThreads: 1,
  unetLanes: 0,
  maxMediaBytes: 10 * 1024 * 1024,
  maxUploadBytes: REQUEST_LIMITS.imageMaxBytes,
  maxUploadSide: REQUEST_LIMITS.imageMaxSide,
  displaySize: 256,
  useWorker: true,
  graphCacheDir: null,
  deferVideoSessions: false,
};

export function resolveEngineOptions(partial: Partial<EngineOptions> = {}): EngineOptions {
  const options = { ...DEFAULT_ENGINE_OPTIONS, ...partial };
  for (const key of ['intraOpThreads', 'interOpThreads', 'unetLanes'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 0) {
      throw new RangeError(
        `${key} must be a whole number >= 0 (0 = automatic), got ${options[key]}`,
      );
    }
  }
  if (options.provider !== 'cpu' && options.provider !== 'cuda') {
    throw new RangeError(`provider must be "cpu" or "cuda", got ${String(options.provider)}`);
  }
  if (options.unetLanes > 16) throw new RangeError('unetLanes must be 0..16');
  if (!(options.maxMediaBytes >= 1024)) throw new RangeError('maxMediaBytes must be >= 1024');
  if (!(options.displaySize >= 64 && options.displaySize <= 2048)) {
    throw new RangeError('displaySize must be 64..2048');
  }
  return options;
}

/** Most lanes `unetLanes: 0` derives from the threads: a candidates call has 8 rows. */
const MAX_DERIVED_LANES = 8;

/**
 * How many lanes the U-Nets run in (`unetLanes`, resolved): always 1 on a GPU. Derived from the
 * threads (`unetLanes: 0`), for calls of `rows` rows when given: the fewest lanes, at least one
 * per thread, that make a call shortest. A call takes about as long as its largest slice, and
 * never less than the rows' share of the threads: 3 rows on 2 threads run in 3 lanes (1.5 rows'
 * time, the OS sharing the cores) rather than 2 (slices of 2 and 1: 2 rows' time): a video
 * U-Net call took 89 / 96 ms (min / median) in 3 lanes, 117 / 121 in 2 (bench/unet-step.ts).
 */
export function unetLanesOf(
  options: Pick<EngineOptions, 'provider' | 'intraOpThreads' | 'unetLanes'>,
  rows?: number,
): number {
  if (options.provider !== 'cpu') return 1;
  if (options.unetLanes > 0) return options.unetLanes;
  const threads = Math.min(MAX_DERIVED_LANES, Math.max(1, options.intraOpThreads));
  if (threads === 1 || rows === undefined || rows <= threads) return threads;
  const time = (lanes: number) => Math.max(Math.ceil(rows / lanes), rows / threads);
  let best = threads;
  for (let lanes = threads + 1; lanes <= Math.min(rows, MAX_DERIVED_LANES); lanes++) {
    if (time(lanes) < time(best)) best = lanes;
  }
  return best;
}
