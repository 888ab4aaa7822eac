// U-Net step benchmark (issue 33): one U-Net call of two exports of the same model (the shipped
// layout against a re-export, training/firstframe_train/export_layout.py) on the same inputs:
// - the outputs' max abs diff,
// - time per call, the two interleaved (ABBA), min and median and their ratios, and the min and
//   median of each round's ratio, per intra-op thread count, with spinning off; wall time and the process's CPU time (user + system), which
//   a shared, busy machine disturbs less (it still counts cache and memory contention),
// - achieved GFLOP/s per call against the machine's 2048x2048 MatMul peak in onnxruntime, measured
//   here with the same threads. FLOPs are Conv / MatMul / Gemm / MultiHeadAttention from the node
//   shapes of one profiled unoptimised run of each graph; "work" counts the first (--old) graph's
//   FLOPs for both, so both rates measure the same model function.
// - with 2+ threads, a third row: the new export in lanes, as many as the engine uses for this
//   batch on these threads (options.ts, unetLanesOf; src/engine/unet-lanes.ts:
//   the batch cut into slices run at once, one thread each), as the engine runs it then.
// Usage: npx tsx bench/unet-step.ts --new DIR [--old models/shapes-v8] [--component unet_video]
//          [--threads 1,2] [--rounds 20] [--batch 3] [--frames 16]
// The MatMul model is written at bench time by bench/matmul_model.py (python3 with `onnx`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { openSession } from '../src/engine/backend.js';
import { unetLanesOf } from '../src/engine/options.js';
import { UnetLanes } from '../src/engine/unet-lanes.js';

const { values } = parseArgs({
  options: {
    old: { type: 'string', default: 'models/shapes-v8' },
    new: { type: 'string' },
    component: { type: 'string', default: 'unet_video' },
    threads: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '20' },
    batch: { type: 'string', default: '3' },
    frames: { type: 'string', default: '16' },
    python: { type: 'string', default: process.env.PYTHON ?? '/usr/bin/python3' },
  },
});
if (!values.new) throw new Error('--new DIR: the model folder to compare with --old');
const component = values.component!;
const batch = Number(values.batch);
const frames = Number(values.frames);
const rounds = Number(values.rounds);
const threadCounts = values.threads!.split(',').map(Number);
const tmp = mkdtempSync(join(tmpdir(), 'unet-step-'));

interface Manifest {
  latent: { channels: number; height: number; width: number };
  text: { max_length: number; hidden_size: number };
  components: Record<string, { path: string; export_layout?: string }>;
}
const manifestOf = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'model_index.json'), 'utf8')) as Manifest;

/** Deterministic standard normals (mulberry32 + Box-Muller). */
function normals(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

const oldManifest = manifestOf(values.old!);
const { channels: C, height: H, width: W } = oldManifest.latent;
const { max_length: L, hidden_size: D } = oldManifest.text;
const video = component !== 'unet_image';
const sampleDims = video ? [batch, 2 * C + 1, frames, H, W] : [batch, C, H, W];
const size = (dims: readonly number[]) => dims.reduce((x, y) => x * y, 1);
const feeds = {
  sample: new ort.Tensor('float32', normals(size(sampleDims), 1), sampleDims),
  timestep: new ort.Tensor('float32', new Float32Array(batch).fill(500), [batch]),
  encoder_hidden_states: new ort.Tensor('float32', normals(batch * L * D, 2), [batch, L, D]),
};

function options(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

type Shape = number[];
interface ProfileEvent {
  cat: string;
  name: string;
  args?: {
    op_name?: string;
    input_type_shape?: Record<string, Shape>[];
    output_type_shape?: Record<string, Shape>[];
  };
}

/** FLOPs of one call from the node shapes of a profiled unoptimised run (the file's own nodes). */
async function countFlops(path: string): Promise<{ flops: number; nodes: number }> {
  const prefix = join(tmp, `profile-${Math.random().toString(36).slice(2)}`);
  const session = await ort.InferenceSession.create(path, {
    ...options(1),
    graphOptimizationLevel: 'disabled',
    enableProfiling: true,
    profileFilePrefix: prefix,
  });
  await session.run(feeds);
  session.endProfiling();
  await session.release();
  const file = readdirSync(tmp)
    .map((f) => join(tmp, f))
    .find((f) => f.startsWith(prefix) && f.endsWith('.json'));
  if (!file) throw new Error(`no profile written for ${path}`);
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[];
  let flops = 0;
  let nodes = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !e.args?.op_name) continue;
    nodes++;
    const ins = (e.args.input_type_shape ?? []).map((s) => Object.values(s)[0] ?? []);
    const out = Object.values(e.args.output_type_shape?.[0] ?? {})[0] ?? [];
    const [a, b] = [ins[0] ?? [], ins[1] ?? []];
    switch (e.args.op_name) {
      case 'Conv':
        flops += 2 * size(out) * size(b.slice(1));
        break;
      case 'MatMul':
        flops += 2 * size(out) * a[a.length - 1]!;
        break;
      case 'Gemm': // torch exports Linear as Gemm(transA=0)
        flops += 2 * size(out) * a[1]!;
        break;
      case 'MultiHeadAttention': // q [N, T, C], k [N, S, C]: Q K^T and P V over all heads
        flops += 4 * a[0]! * a[1]! * b[1]! * a[2]!;
        break;
    }
  }
  return { flops, nodes };
}

/** GFLOP/s of a 2048x2048 MatMul (weights as an initializer, as a U-Net's) in onnxruntime. */
async function matmulPeak(threads: number): Promise<number> {
  const n = 2048;
  const path = join(tmp, 'matmul.onnx');
  const made = spawnSync(
    values.python!,
    ['bench/matmul_model.py', '--n', String(n), '--out', path],
    {
      encoding: 'utf8',
    },
  );
  if (made.status !== 0) throw new Error(`bench/matmul_model.py failed: ${made.stderr}`);
  const session = await ort.InferenceSession.create(path, options(threads));
  const a = { a: new ort.Tensor('float32', normals(n * n, 3), [n, n]) };
  let best = Infinity;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    await session.run(a);
    if (i > 0) best = Math.min(best, performance.now() - t0);
  }
  await session.release();
  return (2 * n ** 3) / (best / 1e3) / 1e9;
}

type Kind = 'old' | 'new' | 'lanes';

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const dirs = { old: values.old!, new: values.new! };
const paths = {
  old: join(dirs.old, oldManifest.components[component]!.path),
  new: join(dirs.new, manifestOf(dirs.new).components[component]!.path),
};
const layouts = {
  old: oldManifest.components[component]!.export_layout ?? 'training',
  new: manifestOf(dirs.new).components[component]!.export_layout ?? 'training',
};
console.log(
  `${component}: sample [${sampleDims.join(', ')}], ${rounds} interleaved rounds; ` +
    `old ${paths.old} (${layouts.old}), new ${paths.new} (${layouts.new})`,
);

const counts = { old: await countFlops(paths.old), new: await countFlops(paths.new) };
const work = counts.old.flops;
for (const k of ['old', 'new'] as const) {
  console.log(
    `${k}: ${(counts[k].flops / 1e9).toFixed(2)} GFLOP per call in its graph, ${counts[k].nodes} nodes unoptimised`,
  );
}

// Same outputs?
{
  const [a, b] = await Promise.all([
    ort.InferenceSession.create(paths.old, options(1)),
    ort.InferenceSession.create(paths.new, options(1)),
  ]);
  const [ya, yb] = [(await a.run(feeds)).out_sample!, (await b.run(feeds)).out_sample!];
  const [da, db] = [ya.data as Float32Array, yb.data as Float32Array];
  if (ya.dims.join() !== yb.dims.join()) throw new Error(`dims ${ya.dims} vs ${yb.dims}`);
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < da.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(da[i]! - db[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(da[i]!));
  }
  console.log(`outputs: max abs diff ${maxDiff.toExponential(2)} (max |old| ${maxAbs.toFixed(3)})`);
  await Promise.all([a.release(), b.release()]);
}

for (const threads of threadCounts) {
  const peak = await matmulPeak(threads);
  const sessions = {
    old: await ort.InferenceSession.create(paths.old, options(threads)),
    new: await ort.InferenceSession.create(paths.new, options(threads)),
  };
  const settings = { provider: 'cpu', intraOpThreads: 1, interOpThreads: 1 } as const;
  const local = threads > 1 ? await openSession(paths.new, settings) : undefined;
  // As the engine splits calls of this batch on these threads (options.ts, unetLanesOf).
  const laneCount = unetLanesOf({ ...settings, intraOpThreads: threads, unetLanes: 0 }, batch);
  const lanes = local && (await UnetLanes.open(local, paths.new, settings, laneCount));
  const call = {
    sample: feeds.sample.data as Float32Array,
    sampleDims: sampleDims.slice(1),
    timesteps: feeds.timestep.data as Float32Array,
    context: feeds.encoder_hidden_states.data as Float32Array,
    contextDims: [L, D],
  };
  const runs: Record<Kind, () => Promise<unknown>> = {
    old: () => sessions.old.run(feeds),
    new: () => sessions.new.run(feeds),
    lanes: () => lanes!.run(call),
  };
  const kinds: Kind[] = lanes ? ['old', 'new', 'lanes'] : ['old', 'new'];
  const times: Record<Kind, number[]> = { old: [], new: [], lanes: [] };
  const cpu: Record<Kind, number[]> = { old: [], new: [], lanes: [] };
  for (let r = -2; r < rounds; r++) {
    const order = r % 2 === 0 ? kinds : [...kinds].reverse();
    for (const k of order) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await runs[k]();
      const wall = performance.now() - t0;
      const used = process.cpuUsage(c0);
      if (r >= 0) {
        times[k].push(wall);
        cpu[k].push((used.user + used.system) / 1e3);
      }
    }
  }
  const peakAfter = await matmulPeak(threads);
  console.log(
    `\n${threads} intra-op thread(s), spinning off; MatMul 2048² peak ${peak.toFixed(0)} / ${peakAfter.toFixed(0)} GFLOP/s (before / after)`,
  );
  const top = Math.max(peak, peakAfter);
  console.log(
    '      wall min ms  median ms   CPU min ms  median ms   GFLOP/s own graph  work GFLOP/s (% of peak), at wall min',
  );
  for (const k of kinds) {
    const min = Math.min(...times[k]);
    const own = counts[k === 'lanes' ? 'new' : k].flops / (min / 1e3) / 1e9;
    const eff = work / (min / 1e3) / 1e9;
    console.log(
      `${k.padEnd(5)} ${min.toFixed(1).padStart(11)} ${median(times[k]).toFixed(1).padStart(10)} ` +
        `${Math.min(...cpu[k])
          .toFixed(1)
          .padStart(12)} ${median(cpu[k]).toFixed(1).padStart(10)} ` +
        `${own.toFixed(0).padStart(19)} ${eff.toFixed(0).padStart(13)} (${((100 * eff) / top).toFixed(0)} %)`,
    );
  }
  const min = (v: number[]) => Math.min(...v);
  for (const [a, b] of lanes
    ? ([
        ['new', 'old'],
        ['lanes', 'new'],
      ] as const)
    : ([['new', 'old']] as const)) {
    const ratio = (xs: Record<Kind, number[]>, f: (v: number[]) => number) =>
      (f(xs[a]) / f(xs[b])).toFixed(3);
    // each round's a / b (the calls side by side): a busy machine slows both alike
    const perRound = (xs: Record<Kind, number[]>) => xs[a].map((v, i) => v / xs[b][i]!);
    const [wallRatios, cpuRatios] = [perRound(times), perRound(cpu)];
    console.log(
      `${a} / ${b}: wall min ${ratio(times, min)}, median ${ratio(times, median)}; ` +
        `CPU min ${ratio(cpu, min)}, median ${ratio(cpu, median)}; ` +
        `per round: wall min ${min(wallRatios).toFixed(3)}, median ${median(wallRatios).toFixed(3)}, ` +
        `CPU min ${min(cpuRatios).toFixed(3)}, median ${median(cpuRatios).toFixed(3)}`,
    );
  }
  await Promise.all([
    sessions.old.release(),
    sessions.new.release(),
    lanes?.close(),
    local?.release(),
  ]);
}
rmSync(tmp, { recursive: true, force: true });
