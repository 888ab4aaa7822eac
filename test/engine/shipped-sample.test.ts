// The shipped model makes its committed sample again (issue 28: a test that loads models/<shipped>).
// models/shapes-v8/samples/00_*.mp4 is item 0 of `npm run eval -- --model models/shapes-v8`
// (seed 2024, the model's defaults; samples/scores.json is that run): 4 candidates and candidate 1
// animated, with the eval's seeds for item 0 (scripts/eval-seeds.ts). The test makes it with the real engine on one thread (about 6 s here) and compares
// both videos' frames read back at the model's 64x64 (readVideoFrames: area-downscaled, which
// averages out the codec's 4x4 blocks).
// Tolerance, from measurements on this sample: float noise does not show (2 threads, or the
// re-export's 1.2e-5 per call, give byte-identical MP4s); changing 16 values of the 64x64 input
// image by one level moves a pixel by up to 8 levels (mean 0.11); the smallest settings changes
// tried move it by 10 (image guidance 1.5 -> 1.4, mean 0.21), 16 (eta 0.5 -> 0.4), 17 (14 steps)
// and 75 (eta 0). So at most 4 levels anywhere and 0.05 on average.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SHIPPED_MODEL_NAME } from '../../src/config/shipped-model.js';
import { loadEngine } from '../../src/engine/index.js';
import { evalCandidateSeed, evalVideoSeed } from '../../scripts/eval-seeds.js';
import { readVideoFrames } from '../../src/engine/video.js';

const MODEL_DIR = join('models', SHIPPED_MODEL_NAME);
const SAMPLES_DIR = join(MODEL_DIR, 'samples');
const EVAL_SEED = 2024;
const TOLERANCE = { max: 4, mean: 0.05 };

interface Scores {
  settings: {
    scheduler: string;
    steps: number;
    guidance: number;
    video_guidance: number;
    image_guidance: number;
    guidance_rescale: number;
  };
  items: { index: number; prompt: string }[];
}

test(`${SHIPPED_MODEL_NAME} makes its first committed sample again`, async (t) => {
  const scores = JSON.parse(readFileSync(join(SAMPLES_DIR, 'scores.json'), 'utf8')) as Scores;
  const item = scores.items[0]!;
  const sampleFile = readdirSync(SAMPLES_DIR).find((name) => name.startsWith('00_'));
  assert.ok(sampleFile, `no 00_*.mp4 in ${SAMPLES_DIR}`);
  const committed = readFileSync(join(SAMPLES_DIR, sampleFile));

  const engine = await loadEngine(MODEL_DIR, { useWorker: false, intraOpThreads: 1 });
  try {
    const seed = evalCandidateSeed(EVAL_SEED, item.index);
    const drawn = await engine.generateCandidates({ prompt: item.prompt, seed });
    const video = await engine.animate({
      prompt: item.prompt,
      image: drawn.candidates[0]!.png,
      seed: evalVideoSeed(EVAL_SEED, item.index),
    });

    // The model's defaults today are the settings the sample was made with.
    const first = drawn.settings;
    const made = video.settings;
    const recorded = scores.settings;
    const label =
      `${first.scheduler}${first.eta > 0 ? ` eta ${first.eta}` : ''} (first frames) / ` +
      `${made.scheduler}${made.eta > 0 ? ` eta ${made.eta}` : ''} (video)`;
    assert.equal(label, recorded.scheduler, 'samplers differ from the sample run');
    assert.deepEqual(
      [first.steps, first.guidance, made.steps, made.guidance, made.imageGuidance],
      [
        recorded.steps,
        recorded.guidance,
        recorded.steps,
        recorded.video_guidance,
        recorded.image_guidance,
      ],
      'steps or guidance differ from the sample run',
    );
    assert.equal(made.guidanceRescale, recorded.guidance_rescale);

    const size = engine.describe().image;
    const frames = engine.describe().video.frames;
    const want = await readVideoFrames(committed, size, frames);
    const got = await readVideoFrames(video.mp4, size, frames);
    assert.equal(got.frames, want.frames, 'frame count');
    let max = 0;
    let sum = 0;
    for (let i = 0; i < want.pixels.length; i++) {
      const d = Math.abs(got.pixels[i]! - want.pixels[i]!);
      max = Math.max(max, d);
      sum += d;
    }
    const mean = sum / want.pixels.length;
    t.diagnostic(
      `${sampleFile}: max ${max} levels, mean ${mean.toFixed(3)}; ` +
        `MP4 ${video.mp4.equals(committed) ? 'byte-identical' : 'differs in bytes'}`,
    );
    assert.ok(max <= TOLERANCE.max, `a pixel differs by ${max} levels from ${sampleFile}`);
    assert.ok(mean <= TOLERANCE.mean, `pixels differ by ${mean} levels on average`);
  } finally {
    await engine.close();
  }
});
