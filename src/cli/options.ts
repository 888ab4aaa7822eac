// What the CLI's commands share: the sampling and engine options, their parsing and the engine
// they open (on this thread, with the optimised graphs cached).
import { writeFile } from 'node:fs/promises';
import { SHIPPED_MODEL_NAME } from '../config/shipped-model.js';
import { MAX_SEED, SCHEDULERS } from '../core/contract.js';
import {
  defaultGraphCacheDir,
  EngineInputError,
  loadEngine,
  type Engine,
  type ExecutionProvider,
  type Progress,
} from '../engine/index.js';
import { DEFAULT_MODEL_DIR } from '../wiring/model.js';

/** parseArgs options of the video's sampler and of the engine, as every command takes them. */
export const SHARED_OPTIONS = {
  seed: { type: 'string' },
  steps: { type: 'string' },
  scheduler: { type: 'string' },
  guidance: { type: 'string' },
  negative: { type: 'string' },
  'image-guidance': { type: 'string' },
  model: { type: 'string' },
  threads: { type: 'string' },
  provider: { type: 'string', default: 'cpu' },
  verbose: { type: 'boolean', default: false },
} as const;

export const SAMPLING_USAGE = `      --seed <n>           seed (0..${MAX_SEED}; default: random)
      --steps <n>          denoising steps (default: the model's)
      --scheduler <name>   ${SCHEDULERS.join(' | ')} (default: the model's)
      --guidance <x>       text guidance scale (default: the model's)
      --negative <words>   what the frames should not show (guidance steers away from it)
      --image-guidance <x> the video's guidance on its given frames (default: the model's)`;

export const ENGINE_USAGE = `      --model <dir>        model folder (default: models/${SHIPPED_MODEL_NAME})
      --threads <n>        onnxruntime threads per operator (default: 1; 0 = one per core)
      --provider <name>    cpu | cuda (default: cpu)
      --verbose            print when the engine was ready and the first step done`;

export interface SharedValues {
  seed?: string;
  steps?: string;
  scheduler?: string;
  guidance?: string;
  negative?: string;
  'image-guidance'?: string;
  model?: string;
  threads?: string;
  provider?: string;
  verbose?: boolean;
}

/** Milliseconds since this process started (performance's time origin), on stderr. */
export function report(what: string): void {
  console.error(`[${performance.now().toFixed(0)} ms since start] ${what}`);
}

/** The progress listener, telling `onFirstStep` when the first denoising step is done. */
export function timed(
  onProgress: (progress: Progress) => void,
  onFirstStep: ((what: string) => void) | undefined,
): (progress: Progress) => void {
  let first = true;
  return (progress) => {
    if (first && onFirstStep) onFirstStep(`first ${progress.stage} step done`);
    first = false;
    onProgress(progress);
  };
}

export function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new EngineInputError(name, `--${name} must be a number, got "${value}"`);
  }
  return parsed;
}

/** The request fields every command passes to the engine. */
export function samplingSettings(
  prompt: string,
  values: SharedValues,
  onProgress: (p: Progress) => void,
) {
  return {
    prompt,
    seed: number('seed', values.seed),
    steps: number('steps', values.steps),
    scheduler: values.scheduler,
    guidance: number('guidance', values.guidance),
    imageGuidance: number('image-guidance', values['image-guidance']),
    ...(values.negative === undefined ? {} : { negativePrompt: values.negative }),
    onProgress: timed(onProgress, values.verbose ? report : undefined),
  };
}

/** The engine on this thread: the CLI has nothing else to do while it waits, and a worker thread
 * would cost its start-up (and tsx's) before the first step. */
export async function openEngine(values: SharedValues): Promise<Engine> {
  if (values.provider !== 'cpu' && values.provider !== 'cuda') {
    throw new EngineInputError('provider', '--provider must be cpu or cuda');
  }
  const threads = number('threads', values.threads);
  const engine = await loadEngine(values.model ?? DEFAULT_MODEL_DIR, {
    provider: values.provider as ExecutionProvider,
    ...(threads === undefined ? {} : { intraOpThreads: threads }),
    useWorker: false,
    // No helper threads either (unet-lanes.ts): each would cost a thread's start-up.
    unetLanes: 1,
    graphCacheDir: defaultGraphCacheDir(),
    // The first step waits only for the image components; the video's open after it.
    deferVideoSessions: true,
  });
  if (values.verbose) report('engine ready');
  return engine;
}

/** `out.mp4` -> `out`: where the GIF (and generate's grid and frame) go beside the MP4. */
export const outputBase = (output: string) => output.replace(/\.mp4$/i, '');

/** Writes the MP4 to `output` and the GIF beside it; returns the GIF's path. */
export async function writeVideo(
  output: string,
  video: { mp4: Uint8Array; gif: Uint8Array },
): Promise<string> {
  const gif = `${outputBase(output)}.gif`;
  await writeFile(output, video.mp4);
  await writeFile(gif, video.gif);
  return gif;
}
