// Engine benchmark: time for 4 first-frame candidates and for one 16-frame animation, per
// scheduler and step count, with the share of each generation spent outside onnxruntime's
// run() and peak memory; optionally against the PyTorch reference sampler on the same model,
// steps and threads (bench/engine_reference.py), run alternately with ours.
// Fair settings: the reference gets the same thread count (torch.set_num_threads) and
// OMP_WAIT_POLICY=PASSIVE (its OpenMP threads sleep when idle, as onnxruntime's do here: the
// engine's pools never spin). Each round runs ours then the reference's on the same work;
// the ratios (our time / the reference's: 0.5 = twice as fast) are printed as min and median
// over the rounds, which a busy machine disturbs less than a mean.
// With --interpolate each round also interpolates the video (twice the frames and fps,
// docs/model-format.md "Masked uses"), right after the plain one, and a second table gives the
// cost: the interpolated video's time over the plain one's, per round. A model not trained for
// interpolation is timed through a temporary copy whose manifest claims it: the same networks
// and window work, so the time holds, though its in-between frames mean nothing.
// Usage: npm run bench:engine -- [--model dir] [--threads 1] [--steps 4,15] [--rounds 3]
//          [--schedulers ddim,euler,dpmpp_2m] [--torch-run training/runs/cpu --torch-preset cpu]
//          [--interpolate] [--lanes 0]
// --threads n is the engine's intraOpThreads; with n >= 2 its U-Net calls run in lanes
// (src/engine/unet-lanes.ts; n, or more where a call's rows split better: options.ts,
// unetLanesOf) unless --lanes says otherwise (1: one session with n threads).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { SHIPPED_MODEL_NAME } from '../src/config/shipped-model.js';
import { sessionRunMs } from '../src/engine/backend.js';
import { loadEngine } from '../src/engine/index.js';
import { resolveEngineOptions } from '../src/engine/options.js';
import { unetLaneCounts } from '../src/engine/runtime.js';

const SHIPPED = `models/${SHIPPED_MODEL_NAME}`;

const PROMPT = 'a red circle moving right on a black background';

const { values } = parseArgs({
  options: {
    model: {
      type: 'string',
      default: existsSync(SHIPPED) ? SHIPPED : 'test/fixtures/tiny-model',
    },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '4,15' },
    schedulers: { type: 'string', default: 'ddim,euler,dpmpp_2m' },
    rounds: { type: 'string', default: '3' },
    'torch-run': { type: 'string' },
    'torch-preset': { type: 'string' },
    'training-dir': { type: 'string', default: 'training' },
    interpolate: { type: 'boolean', default: false },
    lanes: { type: 'string', default: '0' },
  },
});
const threads = Number(values.threads);
const stepCounts = values.steps!.split(',').map(Number);
const schedulers = values.schedulers!.split(',');
const rounds = Number(values.rounds);

interface Ours {
  candidatesS: number;
  videoS: number;
  videoInferenceS: number;
  encodeS: number;
  /** With --interpolate: the same video interpolated (inference, and its MP4+GIF). */
  interpolatedInferenceS?: number;
  interpolatedEncodeS?: number;
  /** Seconds inside onnxruntime's run() during the generation (candidates + video). */
  runS: number;
}

interface Reference {
  candidates_s: number;
  video_s: number;
}

/** The PyTorch reference as a server: one request per line, one JSON answer per line. */
async function startReference(run: string) {
  const child = spawn(
    '/usr/bin/python3',
    [
      'bench/engine_reference.py',
      '--serve',
      '--preset',
      values['torch-preset'] ?? 'cpu',
      '--run',
      run,
      '--threads',
      String(threads),
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        PYTHONPATH: values['training-dir'],
        PYTHONDONTWRITEBYTECODE: '1',
        OMP_WAIT_POLICY: 'PASSIVE',
        OMP_NUM_THREADS: String(threads),
      },
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error('the PyTorch reference exited (its error is above)');
    return JSON.parse(line.value as string) as Reference;
  };
  await next(); // ready, warmed up
  return {
    measure(scheduler: string, steps: number) {
      child.stdin.write(`${JSON.stringify({ scheduler, steps })}\n`);
      return next();
    },
    close: () => child.stdin.end(),
  };
}

/** The model folder to time interpolation with: the model itself when trained for it, else a
 * temporary copy whose model_index.json lists the mask (timing only). */
function interpolationTimingDir(model: string): { dir: string; copy?: string } {
  const index = JSON.parse(readFileSync(join(model, 'model_index.json'), 'utf8')) as {
    video_masks?: string[];
  };
  if (index.video_masks?.includes('interpolate')) return { dir: model };
  const copy = mkdtempSync(join(tmpdir(), 'firstframe-bench-'));
  cpSync(model, copy, { recursive: true });
  index.video_masks = ['first', 'interpolate'];
  writeFileSync(join(copy, 'model_index.json'), JSON.stringify(index));
  return { dir: copy, copy };
}
const timing = values.interpolate ? interpolationTimingDir(values.model!) : { dir: values.model! };

// In-process, like the CLI: sessionRunMs() counts this thread's run() time.
const engineOptions = {
  intraOpThreads: threads,
  interOpThreads: 1,
  unetLanes: Number(values.lanes),
  useWorker: false,
};
const engine = await loadEngine(timing.dir, engineOptions);
const info = engine.describe();
const lanes = unetLaneCounts(resolveEngineOptions(engineOptions));
console.log(
  `model ${info.name} (${values.model}), onnxruntime-node ${info.provider}, ${threads} threads, ` +
    `U-Net lanes: image ${lanes.unet_image}, video ${lanes.unet_video}, ` +
    `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ` +
    `${rounds} rounds, ${new Date().toISOString()}`,
);
if (timing.copy) {
  console.log(
    `interpolation timed on a copy that claims video_masks "interpolate" (${timing.copy})`,
  );
}
// Warm-up: first runs allocate onnxruntime's buffers.
const warm = await engine.generateCandidates({ prompt: PROMPT, steps: 1, seed: 0 });
await engine.animate({ prompt: PROMPT, image: warm.candidates[0]!.png, steps: 1, seed: 0 });
const reference = values['torch-run'] ? await startReference(values['torch-run']) : undefined;

async function ours(scheduler: string, steps: number): Promise<Ours> {
  const runBefore = sessionRunMs();
  let started = performance.now();
  const candidates = await engine.generateCandidates({ prompt: PROMPT, steps, scheduler, seed: 1 });
  const candidatesS = (performance.now() - started) / 1000;
  const request = {
    prompt: PROMPT,
    image: candidates.candidates[0]!.png,
    steps,
    scheduler,
    seed: 1,
  };
  started = performance.now();
  const video = await engine.animate(request);
  const result: Ours = {
    candidatesS,
    videoS: (performance.now() - started) / 1000,
    videoInferenceS: video.inferenceMs / 1000,
    encodeS: video.encodeMs / 1000,
    runS: (sessionRunMs() - runBefore) / 1000,
  };
  if (!values.interpolate) return result;
  const interpolated = await engine.animate({ ...request, interpolate: true });
  return {
    ...result,
    interpolatedInferenceS: interpolated.inferenceMs / 1000,
    interpolatedEncodeS: interpolated.encodeMs / 1000,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};
const minMedian = (xs: number[], digits = 2) =>
  xs.length === 0 ? '-' : `${Math.min(...xs).toFixed(digits)} / ${median(xs).toFixed(digits)}`;
const percent = (xs: number[]) =>
  `${(Math.min(...xs) * 100).toFixed(1)} / ${(median(xs) * 100).toFixed(1)}`;

const table: string[] = [];
const interpolationTable: string[] = [];
for (const scheduler of schedulers) {
  for (const steps of stepCounts) {
    const mine: Ours[] = [];
    const theirs: Reference[] = [];
    for (let round = 0; round < rounds; round++) {
      mine.push(await ours(scheduler, steps));
      if (reference) theirs.push(await reference.measure(scheduler, steps));
      console.error(
        `measured ${scheduler} ${steps}: ${JSON.stringify([mine.at(-1), theirs.at(-1)])}`,
      );
    }
    // Outside run(): of the whole generation, and of the inference alone (MP4/GIF excluded).
    const total = mine.map((m) => m.candidatesS + m.videoS);
    const outside = mine.map((m, i) => 1 - m.runS / total[i]!);
    const outsideInference = mine.map((m, i) => 1 - m.runS / (total[i]! - m.encodeS));
    const candidatesRatio = theirs.map((t, i) => mine[i]!.candidatesS / t.candidates_s);
    const videoRatio = theirs.map((t, i) => mine[i]!.videoInferenceS / t.video_s);
    table.push(
      `| ${scheduler} | ${steps} | ${minMedian(mine.map((m) => m.candidatesS))} | ` +
        `${minMedian(mine.map((m) => m.videoInferenceS))} | ${minMedian(mine.map((m) => m.encodeS))} | ` +
        `${percent(outsideInference)} | ${percent(outside)} | ` +
        `${minMedian(theirs.map((t) => t.candidates_s))} | ${minMedian(theirs.map((t) => t.video_s))} | ` +
        `${minMedian(candidatesRatio)} | ${minMedian(videoRatio)} |`,
    );
    if (values.interpolate) {
      const inference = mine.map((m) => m.interpolatedInferenceS!);
      const ratio = mine.map((m) => m.interpolatedInferenceS! / m.videoInferenceS);
      interpolationTable.push(
        `| ${scheduler} | ${steps} | ${minMedian(mine.map((m) => m.videoInferenceS))} | ` +
          `${minMedian(inference)} | ${minMedian(ratio)} | ${minMedian(mine.map((m) => m.encodeS))} | ` +
          `${minMedian(mine.map((m) => m.interpolatedEncodeS!))} |`,
      );
    }
  }
}
reference?.close();
await engine.close();
const peakRssMiB = process.resourceUsage().maxRSS / 1024;

console.log(
  "\nEach cell: min / median over the rounds. Ratios: our time / PyTorch's, per round (< 1: ours is faster).\n",
);
console.log(
  '| scheduler | steps | 4 candidates (s) | video model (s) | MP4+GIF (s) | outside run(), inference (%) | outside run(), all (%) | PyTorch 4 candidates (s) | PyTorch video (s) | ratio candidates | ratio video |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const row of table) console.log(row);
if (values.interpolate) {
  const { frames, fps } = info.video;
  console.log(
    `\nInterpolation: ${frames} frames at ${fps} fps -> ${2 * frames - 1} at ${2 * fps} fps. ` +
      "Ratio: the interpolated video's inference time / the plain one's, per round.\n",
  );
  console.log(
    '| scheduler | steps | video model (s) | video + interpolation (s) | ratio | MP4+GIF (s) | MP4+GIF interpolated (s) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of interpolationTable) console.log(row);
}
if (timing.copy) rmSync(timing.copy, { recursive: true, force: true });
console.log(`\npeak RSS of the engine process: ${peakRssMiB.toFixed(0)} MiB`);
