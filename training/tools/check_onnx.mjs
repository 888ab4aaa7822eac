// Runs every ONNX component of a model folder in onnxruntime-node on the inputs stored in the
// parity fixtures and prints the max abs difference from PyTorch's outputs.
// Usage: node training/tools/check_onnx.mjs <model-folder> <parity-folder>
// (ORT_MODULE=/path/to/onnxruntime-node/dist/index.js when it is not installed in the project)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ort = await import(process.env.ORT_MODULE ?? 'onnxruntime-node');
const [modelDir, parityDir] = process.argv.slice(2);
if (!modelDir || !parityDir) {
  console.error('usage: node check_onnx.mjs <model-folder> <parity-folder>');
  process.exit(2);
}
const fixtures = JSON.parse(readFileSync(join(parityDir, 'parity.json'), 'utf8'));

function load(ref) {
  const buf = readFileSync(join(parityDir, ref.file));
  const data = ref.dtype === 'uint8'
    ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    : new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { data, shape: ref.shape };
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const cases = { ...fixtures.components };
const t = fixtures.text_encoder;
cases.text_encoder = {
  inputs: { input_ids: t.input_ids, attention_mask: t.attention_mask },
  outputs: { last_hidden_state: t.last_hidden_state },
  int64Inputs: true,
};

let worst = 0;
for (const [name, c] of Object.entries(cases)) {
  const session = await ort.InferenceSession.create(join(modelDir, name, 'model.onnx'));
  const feeds = {};
  for (const [input, ref] of Object.entries(c.inputs)) {
    const { data, shape } = load(ref);
    feeds[input] = c.int64Inputs
      ? new ort.Tensor('int64', BigInt64Array.from(data, (v) => BigInt(Math.round(v))), shape)
      : new ort.Tensor('float32', data, shape);
  }
  const result = await session.run(feeds);
  for (const [output, ref] of Object.entries(c.outputs)) {
    const expected = load(ref);
    const got = result[output];
    if (JSON.stringify(got.dims) !== JSON.stringify(expected.shape)) {
      throw new Error(`${name}.${output}: shape ${got.dims} != ${expected.shape}`);
    }
    const diff = maxAbsDiff(got.data, expected.data);
    worst = Math.max(worst, diff);
    console.log(`${name}.${output} ${JSON.stringify(got.dims)} max abs diff ${diff.toExponential(2)}`);
  }
}
const tolerance = fixtures.tolerances.components_abs;
console.log(`worst ${worst.toExponential(2)} (tolerance ${tolerance})`);
process.exit(worst <= tolerance ? 0 : 1);
