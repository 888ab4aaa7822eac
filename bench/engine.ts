// Engine benchmark: time for 4 first-frame candidates and for one 16-frame animation, per
// scheduler and step count, with peak memory; optionally the PyTorch reference sampler on
// the same model, steps and threads (bench/engine_reference.py) and the ratio.
// Usage: npm run bench:engine -- [--model dir] [--threads 2] [--steps 4,15]
//          [--schedulers ddim,euler,dpmpp_2m] [--torch-run training/runs/cpu --torch-preset cpu]
//          [--torch-schedulers dpmpp_2m --torch-steps 4]   (a subset for the slower reference)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { SHIPPED_MODEL_NAME } from '../src/config/shipped-model.js';
import { loadEngine } from '../src/engine/index.js';

const SHIPPED = `models/${SHIPPED_MODEL_NAME}`;

const PROMPT = 'a red circle moving right on a black background';

const { values } = parseArgs({
  options: {
    model: {
      type: 'string',
      default: existsSync(SHIPPED) ? SHIPPED : 'test/fixtures/tiny-model',
    },
    threads: { type: 'string', default: '2' },
    steps: { type: 'string', default: '4,15' },
    schedulers: { type: 'string', default: 'ddim,euler,dpmpp_2m' },
    'torch-run': { type: 'string' },
    'torch-preset': { type: 'string' },
    'torch-schedulers': { type: 'string' },
    'torch-steps': { type: 'string' },
    'training-dir': { type: 'string', default: 'training' },
  },
});
const threads = Number(values.threads);
const stepCounts = values.steps!.split(',').map(Number);
const schedulers = values.schedulers!.split(',');

interface Row {
  scheduler: string;
  steps: number;
  candidatesS: number;
  videoS: number;
  videoInferenceS: number;
  encodeS: number;
  torchCandidatesS?: number;
  torchVideoS?: number;
}

const engine = await loadEngine(values.model!, { intraOpThreads: threads, interOpThreads: 1 });
const info = engine.describe();
console.log(
  `model ${info.name} (${values.model}), onnxruntime-node ${info.provider}, ${threads} threads, ` +
    `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
);
// Warm-up: first runs allocate onnxruntime's buffers.
const warm = await engine.generateCandidates({ prompt: PROMPT, steps: 1, seed: 0 });
await engine.animate({ prompt: PROMPT, image: warm.candidates[0]!.png, steps: 1, seed: 0 });

const rows: Row[] = [];
for (const scheduler of schedulers) {
  for (const steps of stepCounts) {
    let started = performance.now();
    const candidates = await engine.generateCandidates({
      prompt: PROMPT,
      steps,
      scheduler,
      seed: 1,
    });
    const candidatesS = (performance.now() - started) / 1000;
    started = performance.now();
    const video = await engine.animate({
      prompt: PROMPT,
      image: candidates.candidates[0]!.png,
      steps,
      scheduler,
      seed: 1,
    });
    const videoS = (performance.now() - started) / 1000;
    const row = {
      scheduler,
      steps,
      candidatesS,
      videoS,
      videoInferenceS: video.inferenceMs / 1000,
      encodeS: video.encodeMs / 1000,
    };
    rows.push(row);
    console.error(`measured ${JSON.stringify(row)}`);
  }
}
await engine.close();
const peakRssMiB = process.resourceUsage().maxRSS / 1024;

const torchRun = values['torch-run'];
if (torchRun) {
  const preset = values['torch-preset'] ?? 'cpu';
  const run = spawnSync(
    '/usr/bin/python3',
    [
      'bench/engine_reference.py',
      '--preset',
      preset,
      '--run',
      torchRun,
      '--threads',
      String(threads),
      '--schedulers',
      values['torch-schedulers'] ?? schedulers.join(','),
      '--steps',
      values['torch-steps'] ?? stepCounts.join(','),
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: values['training-dir'], PYTHONDONTWRITEBYTECODE: '1' },
    },
  );
  if (run.status !== 0) {
    console.error(`PyTorch reference failed:\n${run.stderr}`);
  } else {
    for (const line of run.stdout.trim().split('\n')) {
      const result = JSON.parse(line) as {
        scheduler: string;
        steps: number;
        candidates_s: number;
        video_s: number;
      };
      const row = rows.find((r) => r.scheduler === result.scheduler && r.steps === result.steps);
      if (row) {
        row.torchCandidatesS = result.candidates_s;
        row.torchVideoS = result.video_s;
      }
    }
  }
}

const seconds = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
const ratio = (torch: number | undefined, ours: number) =>
  torch === undefined ? '-' : `${(torch / ours).toFixed(1)}x`;
console.log(
  '\n| scheduler | steps | 4 candidates (s) | 16-frame video (s) | of which model (s) | MP4+GIF (s) | PyTorch 4 candidates (s) | PyTorch video (s) | speed-up candidates | speed-up video model |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.scheduler} | ${r.steps} | ${seconds(r.candidatesS)} | ${seconds(r.videoS)} | ${seconds(r.videoInferenceS)} | ` +
      `${seconds(r.encodeS)} | ${seconds(r.torchCandidatesS)} | ${seconds(r.torchVideoS)} | ` +
      `${ratio(r.torchCandidatesS, r.candidatesS)} | ${ratio(r.torchVideoS, r.videoInferenceS)} |`,
  );
}
console.log(
  `\npeak RSS of the engine process (main + worker thread): ${peakRssMiB.toFixed(0)} MiB`,
);
