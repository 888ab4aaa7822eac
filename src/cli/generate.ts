// `firstframe generate "<prompt>"`: prompt -> 4 candidate first frames -> the chosen one
// animated -> MP4 (+ GIF, + the numbered grid). Or, with --image, animate that image.
// Needs only the model folder: no Redis, no database.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SHIPPED_MODEL_NAME } from '../config/shipped-model.js';
import { MAX_SEED, SCHEDULERS } from '../core/contract.js';
import {
  defaultGraphCacheDir,
  EngineInputError,
  loadEngine,
  type ExecutionProvider,
  type Progress,
} from '../engine/index.js';
import { DEFAULT_MODEL_DIR } from '../wiring/model.js';
import { createProgressBar } from './progress-bar.js';

export const GENERATE_USAGE = `Usage: firstframe generate "<prompt>" [options] -o out.mp4

Options:
  -o, --output <file>      MP4 to write (default: out.mp4); a GIF is written next to it
      --seed <n>           seed (0..${MAX_SEED}; default: random)
      --steps <n>          denoising steps (default: the model's)
      --scheduler <name>   ${SCHEDULERS.join(' | ')} (default: the model's)
      --guidance <x>       text guidance scale (default: the model's)
      --negative <words>   what the frames should not show (guidance steers away from it)
      --image-guidance <x> image guidance scale for the video (default: the model's)
      --image <file>       animate this PNG/JPEG instead of generating first frames
      --pick <1-4>         which candidate to animate (default: 1)
      --model <dir>        model folder (default: models/${SHIPPED_MODEL_NAME})
      --threads <n>        onnxruntime threads per operator (default: 1; 0 = one per core)
      --provider <name>    cpu | cuda (default: cpu)
      --verbose            print when the engine was ready and the first step done`;

/** Milliseconds since this process started (performance's time origin), on stderr. */
function report(what: string): void {
  console.error(`[${performance.now().toFixed(0)} ms since start] ${what}`);
}

/** The progress listener, telling `onFirstStep` when the first denoising step is done. */
function timed(
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

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new EngineInputError(name, `--${name} must be a number, got "${value}"`);
  }
  return parsed;
}

export async function generateCommand(args: string[]): Promise<void> {
  if (args.includes('--verbose')) report('modules loaded');
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'out.mp4' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      scheduler: { type: 'string' },
      guidance: { type: 'string' },
      negative: { type: 'string' },
      'image-guidance': { type: 'string' },
      image: { type: 'string' },
      pick: { type: 'string', default: '1' },
      model: { type: 'string' },
      threads: { type: 'string' },
      provider: { type: 'string', default: 'cpu' },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) {
    throw new EngineInputError('prompt', `give exactly one quoted prompt\n\n${GENERATE_USAGE}`);
  }
  const pick = number('pick', values.pick)!;
  if (![1, 2, 3, 4].includes(pick))
    throw new EngineInputError('pick', '--pick must be 1, 2, 3 or 4');
  if (values.provider !== 'cpu' && values.provider !== 'cuda') {
    throw new EngineInputError('provider', '--provider must be cpu or cuda');
  }
  const prompt = positionals[0]!;
  const settings = {
    prompt,
    seed: number('seed', values.seed),
    steps: number('steps', values.steps),
    scheduler: values.scheduler,
    guidance: number('guidance', values.guidance),
    ...(values.negative === undefined ? {} : { negativePrompt: values.negative }),
    onProgress: timed(createProgressBar(), values.verbose ? report : undefined),
  };
  const output = values.output!;
  const base = output.replace(/\.mp4$/i, '');

  // On this thread: the CLI has nothing else to do while it waits, and a worker thread would
  // cost its start-up (and tsx's) before the first step.
  const threads = number('threads', values.threads);
  const engine = await loadEngine(values.model ?? DEFAULT_MODEL_DIR, {
    provider: values.provider as ExecutionProvider,
    ...(threads === undefined ? {} : { intraOpThreads: threads }),
    useWorker: false,
    graphCacheDir: defaultGraphCacheDir(),
    // The first step waits only for the image components; the video's open after it.
    deferVideoSessions: true,
  });
  if (values.verbose) report('engine ready');
  try {
    let image: Uint8Array;
    if (values.image) {
      image = await readFile(values.image);
    } else {
      const result = await engine.generateCandidates(settings);
      await writeFile(`${base}.grid.png`, result.grid);
      const chosen = result.candidates[pick - 1]!;
      await writeFile(`${base}.frame.png`, chosen.png);
      console.error(
        `first frames: ${base}.grid.png (seeds ${result.settings.seeds.join(', ')}); animating ${pick}`,
      );
      image = chosen.png;
    }
    const video = await engine.animate({
      ...settings,
      image,
      imageGuidance: number('image-guidance', values['image-guidance']),
    });
    await writeFile(output, video.mp4);
    await writeFile(`${base}.gif`, video.gif);
    console.error(
      `wrote ${output} (${video.frames} frames, ${video.mp4Size}x${video.mp4Size}, ` +
        `${(video.mp4.byteLength / 1024).toFixed(0)} KiB) and ${base}.gif; seed ${video.settings.seed}`,
    );
  } finally {
    await engine.close();
  }
}
