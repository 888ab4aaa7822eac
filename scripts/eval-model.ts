// `npm run eval`: scores the shipped model on what the product itself writes.
// 1. prompts sampled from the caption grammar with a fixed seed (Python: the world's grammar)
// 2. for each prompt the TypeScript engine draws 4 candidate first frames (PNG) and animates
//    candidate 1 into an MP4, exactly as a chat round does
// 3. the judge reads the PNGs and MP4s back and writes a markdown report
// The default run uses the model's default scheduler and step count on every prompt; a second
// run with 50 DDIM steps on --reference-count of them (every k-th, same seeds) shows what the
// default's fewer steps cost. With --baseline (another run's scores.json, e.g. the shipped model's
// samples/scores.json) the default run is also compared with it prompt by prompt. With --voted a
// run "voted" animates the candidate the judge votes for instead of candidate 1: what a channel
// whose vote matches the judge's would get.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SHIPPED_MODEL_NAME } from '../src/config/shipped-model.js';
import { evalCandidateSeed, evalVideoSeed } from './eval-seeds.js';
import { loadEngine, stageDefaults, type Engine } from '../src/engine/index.js';

const PYTHON = '/usr/bin/python3';
const TRAINING_DIR = resolve('training');

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: `models/${SHIPPED_MODEL_NAME}` },
    out: { type: 'string', default: '.tmp/eval' },
    count: { type: 'string', default: '160' },
    'held-out': { type: 'string', default: '40' },
    seed: { type: 'string', default: '2024' },
    'reference-count': { type: 'string', default: '40' },
    'reference-steps': { type: 'string', default: '50' },
    // Sampling settings other than the model's defaults (to try a guidance scale, say).
    scheduler: { type: 'string' },
    steps: { type: 'string' },
    guidance: { type: 'string' },
    // Text guidance for the video only (default: --guidance, else the model's video default).
    'video-guidance': { type: 'string' },
    'image-guidance': { type: 'string' },
    'guidance-rescale': { type: 'string' },
    // DDIM's eta for the video / the first frames (default: the model's with its own scheduler,
    // else 0).
    eta: { type: 'string' },
    'first-frame-eta': { type: 'string' },
    // onnxruntime threads per operator (0 = automatic); 1 leaves the other cores to training.
    threads: { type: 'string', default: '0' },
    // scores.json of a run of the same prompts to compare with (fixed / broken objects, sign test).
    baseline: { type: 'string' },
    // Also animate the candidate the judge votes for, as a channel would (run "voted").
    voted: { type: 'boolean', default: false },
  },
});

interface PromptRow {
  index: number;
  prompt: string;
  held_out: boolean;
}

interface EvalRun {
  name: string;
  scheduler?: string;
  steps?: number;
  /** DDIM's eta for the video and the first frames; only the default run takes --eta and
   * --first-frame-eta (the reference is plain DDIM). */
  eta?: number;
  firstFrameEta?: number;
  prompts: PromptRow[];
}

function python(args: string[]): void {
  const result = spawnSync(PYTHON, ['-m', ...args], { cwd: TRAINING_DIR, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(
      `${PYTHON} -m ${args.join(' ')} failed (exit ${result.status ?? result.signal})`,
    );
  }
}

interface Item {
  index: number;
  prompt: string;
  held_out: boolean;
  candidates: string[];
  video: string;
  pick?: number; // the voted run: which candidate (1-4) the video animates
}

function writeManifest(folder: string, model: string, settings: object, items: Item[]): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify({ model, settings, items }, null, 1));
}

async function generateRun(engine: Engine, run: EvalRun, folder: string) {
  mkdirSync(folder, { recursive: true });
  const items: Item[] = [];
  const started = Date.now();
  for (const [done, row] of run.prompts.entries()) {
    const { index } = row;
    const drawn = await engine.generateCandidates({
      prompt: row.prompt,
      scheduler: run.scheduler,
      steps: run.steps,
      guidance,
      guidanceRescale,
      eta: run.firstFrameEta,
      seed: promptSeed(index),
    });
    const candidates = [];
    for (const candidate of drawn.candidates) {
      const file = `${index}_candidate${candidate.number}.png`;
      writeFileSync(join(folder, file), candidate.png);
      candidates.push(file);
    }
    const videoFile = `${index}.mp4`;
    writeFileSync(
      join(folder, videoFile),
      await animate(engine, run, row, drawn.candidates[0]!.png),
    );
    items.push({ index, prompt: row.prompt, held_out: row.held_out, candidates, video: videoFile });
    if ((done + 1) % 10 === 0 || done + 1 === run.prompts.length) {
      const perPrompt = (Date.now() - started) / 1000 / (done + 1);
      console.error(
        `[eval] ${run.name}: ${done + 1}/${run.prompts.length} (${perPrompt.toFixed(1)} s per prompt)`,
      );
    }
  }
  const { defaults, name: model } = engine.describe();
  const settings = {
    scheduler: schedulerLabel(run, defaults),
    steps: stepsLabel(run.steps, defaults),
    guidance: guidance ?? stageDefaults(defaults, 'candidates').guidance,
    video_guidance: videoGuidance ?? guidance ?? stageDefaults(defaults, 'video').guidance,
    image_guidance: imageGuidance ?? defaults.image_guidance_scale,
    guidance_rescale: guidanceRescale ?? defaults.guidance_rescale,
    seconds_per_prompt: (Date.now() - started) / 1000 / run.prompts.length,
  };
  writeManifest(folder, model, settings, items);
  return { settings, items };
}

const promptSeed = (index: number) => evalCandidateSeed(Number(values.seed), index);

/** The video of one candidate (PNG), as a chat round animates the channel's pick. */
async function animate(engine: Engine, run: EvalRun, row: PromptRow, png: Buffer) {
  const video = await engine.animate({
    prompt: row.prompt,
    scheduler: run.scheduler,
    steps: run.steps,
    guidanceRescale,
    image: png,
    seed: evalVideoSeed(Number(values.seed), row.index),
    guidance: videoGuidance ?? guidance,
    imageGuidance,
    eta: run.eta,
  });
  return video.mp4;
}

/** `--voted`: the video of the candidate the judge votes for in each prompt (the product animates
 * the channel's pick, not candidate 1). Reuses the default run's PNGs, and its MP4 where the vote
 * is candidate 1 (same image and seed: the same video). */
async function generateVotedRun(
  engine: Engine,
  run: EvalRun,
  defaultRun: { settings: object; items: Item[] },
) {
  python(['firstframe_train.product_eval', 'vote', join(out, 'default')]);
  const votes = JSON.parse(readFileSync(join(out, 'default', 'votes.json'), 'utf8')) as {
    index: number;
    pick: number;
  }[];
  const pickOf = new Map(votes.map((vote) => [vote.index, vote.pick]));
  const folder = join(out, 'voted');
  mkdirSync(folder, { recursive: true });
  const items: Item[] = [];
  for (const item of defaultRun.items) {
    const pick = pickOf.get(item.index) ?? 1;
    let video = `../default/${item.video}`;
    if (pick !== 1) {
      video = `${item.index}_candidate${pick}.mp4`;
      const png = readFileSync(join(out, 'default', item.candidates[pick - 1]!));
      writeFileSync(join(folder, video), await animate(engine, run, item, png));
    }
    const candidates = item.candidates.map((file) => `../default/${file}`);
    items.push({ ...item, candidates, video, pick });
  }
  writeManifest(
    folder,
    engine.describe().name,
    { ...defaultRun.settings, animated: 'vote' },
    items,
  );
}

/** The sampler the run used; "dpmpp_2m (first frames) / ddim eta 0.5 (video)" where they differ. */
function schedulerLabel(run: EvalRun, defaults: ReturnType<Engine['describe']>['defaults']) {
  const stage = (name: 'candidates' | 'video', eta: number | undefined) => {
    const own = stageDefaults(defaults, name);
    const chosenEta = eta ?? (run.scheduler === undefined ? own.eta : 0);
    return `${run.scheduler ?? own.scheduler}${chosenEta > 0 ? ` eta ${chosenEta}` : ''}`;
  };
  const image = stage('candidates', run.firstFrameEta);
  const video = stage('video', run.eta);
  return image === video ? video : `${image} (first frames) / ${video} (video)`;
}

/** The step count the run used; "25 (first frames) / 15 (video)" where the model's defaults differ. */
function stepsLabel(
  steps: number | undefined,
  defaults: ReturnType<Engine['describe']>['defaults'],
) {
  const image = steps ?? stageDefaults(defaults, 'candidates').steps;
  const video = steps ?? stageDefaults(defaults, 'video').steps;
  return image === video ? video : `${image} (first frames) / ${video} (video)`;
}

const optionalNumber = (text: string | undefined) =>
  text === undefined ? undefined : Number(text);
const guidance = optionalNumber(values.guidance);
const imageGuidance = optionalNumber(values['image-guidance']);
const videoGuidance = optionalNumber(values['video-guidance']);
const guidanceRescale = optionalNumber(values['guidance-rescale']);
const eta = optionalNumber(values.eta);
const firstFrameEta = optionalNumber(values['first-frame-eta']);
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const promptsFile = join(out, 'prompts.json');
python([
  'firstframe_train.product_eval',
  'prompts',
  '--count',
  values.count,
  '--held-out',
  values['held-out'],
  '--seed',
  values.seed,
  '--out',
  promptsFile,
]);
const prompts = (
  JSON.parse(readFileSync(promptsFile, 'utf8')) as { prompts: Omit<PromptRow, 'index'>[] }
).prompts.map((row, index) => ({ ...row, index }));
const referenceCount = Number(values['reference-count']);
// The reference run takes every k-th prompt, so seen and held-out prompts keep their proportion.
const every = Math.max(1, Math.floor(prompts.length / Math.max(1, referenceCount)));
const sample = prompts.filter((_, i) => i % every === 0).slice(0, referenceCount);
const runNames = ['default'];

const engine = await loadEngine(resolve(values.model), { intraOpThreads: Number(values.threads) });
try {
  const defaultRun: EvalRun = {
    name: 'default',
    scheduler: values.scheduler,
    steps: optionalNumber(values.steps),
    eta,
    firstFrameEta,
    prompts,
  };
  const full = await generateRun(engine, defaultRun, join(out, 'default'));
  if (sample.length > 0) {
    // The default run's own outputs for the sampled prompts: no second generation needed.
    const picked = new Set(sample.map((row) => row.index));
    const subset = full.items
      .filter((item) => picked.has(item.index))
      .map((item) => ({
        ...item,
        candidates: item.candidates.map((file) => `../default/${file}`),
        video: `../default/${item.video}`,
      }));
    writeManifest(join(out, 'default-subset'), engine.describe().name, full.settings, subset);
    const reference: EvalRun = {
      name: 'ddim-reference',
      scheduler: 'ddim',
      steps: Number(values['reference-steps']),
      prompts: sample,
    };
    await generateRun(engine, reference, join(out, reference.name));
    runNames.push('default-subset', reference.name);
  }
  if (values.voted) {
    await generateVotedRun(engine, defaultRun, full);
    runNames.push('voted');
  }
} finally {
  await engine.close();
}
const reportFile = join(out, 'report.md');
python([
  'firstframe_train.product_eval',
  'score',
  ...runNames.map((name) => join(out, name)),
  '--out',
  reportFile,
]);
console.error(`[eval] report: ${reportFile}`);
if (values.baseline !== undefined) {
  const comparisonFile = join(out, 'comparison.md');
  python([
    'firstframe_train.product_eval',
    'compare',
    resolve(values.baseline),
    join(out, 'default', 'scores.json'),
    '--out',
    comparisonFile,
  ]);
  console.error(`[eval] comparison: ${comparisonFile}`);
}
