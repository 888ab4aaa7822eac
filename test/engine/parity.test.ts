// Parity with the PyTorch reference (training/firstframe_train), on the committed tiny model:
// the fixtures hold fixed inputs and what PyTorch computed from them.
// Tolerances: tokenizer exact; each ONNX component 1e-4 abs; scheduler steps 1e-5 (abs, or
// relative above 1); whole sampling runs 2e-3 (abs, or relative above 1; the decoded image
// too); pixels 1 level. Every error computed is asserted. The video runs: DPM-Solver++ 2M, and
// DDIM with eta 0.5 (the shipped video sampler) fed the step noise the reference drew.
import assert from 'node:assert/strict';
import { before, after, describe, test } from 'node:test';
import { readModelFolder } from '../../src/engine/model-folder.js';
import { imageToVideo } from '../../src/engine/pipelines/image-to-video.js';
import { textToImage } from '../../src/engine/pipelines/text-to-image.js';
import { ModelRuntime } from '../../src/engine/runtime.js';
import { createScheduler, type SchedulerName } from '../../src/engine/schedulers/index.js';
import {
  TINY_MODEL_DIR,
  componentErrors,
  imageToVideoParityInput,
  maxAbsDiff,
  maxScaledDiff,
  missingFixtures,
  readFloat32,
  readParity,
  readUint8,
  type ComponentCases,
  type ImageToVideoParity,
  type ImageToVideoParityRun,
  type TensorRef,
} from './helpers/fixtures.js';

const TOLERANCE = { component: 1e-4, scheduler: 1e-5, sampling: 2e-3, pixel: 1 };

interface Parity {
  tokenizer: {
    prompt: string;
    input_ids: number[];
    attention_mask: number[];
    unknown_words: string[];
  }[];
  text_encoder: { prompts: string[]; last_hidden_state: TensorRef };
  components: ComponentCases;
  schedulers: Record<
    SchedulerName,
    {
      timesteps: Record<string, { timesteps: number[]; init_noise_sigma: number }>;
      run: {
        num_inference_steps: number;
        sample0: TensorRef;
        model_outputs: TensorRef;
        model_input_scale: number[];
        samples: TensorRef;
      };
    }
  >;
  text_to_image: {
    prompt: string;
    scheduler: SchedulerName;
    num_inference_steps: number;
    guidance_scale: number;
    guidance_rescale: number;
    noise: TensorRef;
    latents_per_step: TensorRef;
    image: TensorRef;
    image_uint8: TensorRef;
  }[];
  image_to_video: Omit<ImageToVideoParity, 'runs'> & { runs: VideoRun[] };
}

/** A video run; with eta > 0 (DDIM), `step_noise` holds each step's unit noise, in order. */
type VideoRun = ImageToVideoParityRun & { eta: number; step_noise?: TensorRef };

/** The engine's input for a run, fed the reference's step noise when it draws any. */
function videoInput(c: Parity['image_to_video'], run: VideoRun) {
  const input = { ...imageToVideoParityInput(c, run), eta: run.eta };
  if (!run.step_noise) return input;
  const all = readFloat32(run.step_noise);
  const size = readFloat32(c.noise).length;
  let next = 0;
  const stepNoise = {
    next: () => {
      if ((next + 1) * size > all.length) throw new Error('the reference drew less step noise');
      return all.subarray(next++ * size, next * size);
    },
  };
  return { ...input, stepNoise };
}

const skip = missingFixtures() ?? false;

describe('parity with the PyTorch reference', { skip }, () => {
  let parity: Parity;
  let runtime: ModelRuntime;

  before(async () => {
    parity = readParity<Parity>();
    runtime = await ModelRuntime.open(readModelFolder(TINY_MODEL_DIR), {
      provider: 'cpu',
      intraOpThreads: 1,
      interOpThreads: 1,
    });
  });
  after(() => runtime?.close());

  test('tokenizer ids, mask and unknown words', () => {
    const tokenizer = runtime.folder.tokenizer;
    for (const c of parity.tokenizer) {
      const encoded = tokenizer.encode(c.prompt);
      assert.deepEqual(encoded.ids, c.input_ids, c.prompt);
      assert.deepEqual(encoded.mask, c.attention_mask, c.prompt);
      assert.deepEqual(tokenizer.unknownWords(c.prompt), c.unknown_words, c.prompt);
    }
  });

  test('text embeddings', async (t) => {
    const { prompts, last_hidden_state } = parity.text_encoder;
    const error = maxAbsDiff(await runtime.encodeText(prompts), readFloat32(last_hidden_state));
    t.diagnostic(`text_encoder max abs error ${error.toExponential(2)}`);
    assert.ok(error <= TOLERANCE.component, `max error ${error}`);
  });

  test('each ONNX component', async (t) => {
    for (const [name, error] of await componentErrors(runtime, parity.components)) {
      t.diagnostic(`${name} max abs error ${error.toExponential(2)}`);
      assert.ok(error <= TOLERANCE.component, `${name}: max error ${error}`);
    }
  });

  for (const name of ['ddim', 'euler', 'dpmpp_2m'] as const) {
    test(`${name}: timesteps, init noise sigma and a 4-step run on fixed outputs`, (t) => {
      const expected = parity.schedulers[name];
      const scheduler = createScheduler(name, runtime.folder.schedulerConfig);
      for (const [n, want] of Object.entries(expected.timesteps)) {
        scheduler.setTimesteps(Number(n));
        assert.deepEqual(scheduler.timesteps, want.timesteps, `timesteps for n=${n}`);
        assert.ok(
          Math.abs(scheduler.initNoiseSigma / want.init_noise_sigma - 1) < 1e-9,
          `sigma n=${n}`,
        );
      }
      const run = expected.run;
      scheduler.setTimesteps(run.num_inference_steps);
      const sample = readFloat32(run.sample0);
      const outputs = readFloat32(run.model_outputs);
      const samples = readFloat32(run.samples);
      const size = sample.length;
      let worst = 0;
      scheduler.timesteps.forEach((timestep, k) => {
        assert.ok(Math.abs(scheduler.modelInputScale(timestep) - run.model_input_scale[k]!) < 1e-6);
        scheduler.step(outputs.subarray(k * size, (k + 1) * size), timestep, sample);
        worst = Math.max(worst, maxScaledDiff(sample, samples.subarray(k * size, (k + 1) * size)));
      });
      t.diagnostic(`${name} step max error ${worst.toExponential(2)}`);
      assert.ok(worst <= TOLERANCE.scheduler, `max error ${worst}`);
    });
  }

  test('text -> first frame: full short sampling runs', async (t) => {
    for (const c of parity.text_to_image) {
      const perStep = readFloat32(c.latents_per_step);
      const size = perStep.length / c.num_inference_steps;
      let stepError = 0;
      const result = await textToImage(
        runtime,
        {
          prompt: c.prompt,
          noise: readFloat32(c.noise),
          scheduler: c.scheduler,
          steps: c.num_inference_steps,
          guidance: c.guidance_scale,
          guidanceRescale: c.guidance_rescale,
        },
        {
          onLatents: (step, latents) => {
            const expected = perStep.subarray((step - 1) * size, step * size);
            stepError = Math.max(stepError, maxScaledDiff(latents, expected));
          },
        },
      );
      const imageError = maxAbsDiff(result.images, readFloat32(c.image));
      const pixelError = maxAbsDiff(result.pixels, readUint8(c.image_uint8));
      t.diagnostic(
        `${c.scheduler} (rescale ${c.guidance_rescale}): latents ${stepError.toExponential(2)}, ` +
          `image ${imageError.toExponential(2)}, pixels ${pixelError}`,
      );
      assert.ok(stepError <= TOLERANCE.sampling, `${c.scheduler} latents error ${stepError}`);
      assert.ok(imageError <= TOLERANCE.sampling, `${c.scheduler} image error ${imageError}`);
      assert.ok(pixelError <= TOLERANCE.pixel, `${c.scheduler} pixel error ${pixelError}`);
    }
  });

  test('first frame -> video: full short sampling runs, DPM-Solver++ and DDIM eta 0.5', async (t) => {
    const c = parity.image_to_video;
    assert.deepEqual(
      c.runs.map((run) => [run.scheduler, run.eta]),
      [
        ['dpmpp_2m', 0],
        ['ddim', 0.5],
      ],
    );
    for (const run of c.runs) {
      let firstStepError = Infinity;
      const result = await imageToVideo(runtime, videoInput(c, run), {
        onLatents: (step, latents) => {
          if (step === 1)
            firstStepError = maxScaledDiff(latents, readFloat32(run.latents_after_step1));
        },
      });
      const latentError = maxAbsDiff(result.firstLatent, readFloat32(c.first_latent));
      const finalError = maxScaledDiff(result.latents, readFloat32(run.latents));
      const pixelError = maxAbsDiff(result.pixels, readUint8(run.frames_uint8));
      t.diagnostic(
        `i2v ${run.scheduler} eta ${run.eta}: first latent ${latentError.toExponential(2)}, step 1 ` +
          `${firstStepError.toExponential(2)}, final ${finalError.toExponential(2)}, pixels ${pixelError}`,
      );
      assert.ok(latentError <= TOLERANCE.component, `first latent error ${latentError}`);
      assert.ok(firstStepError <= TOLERANCE.sampling, `step 1 error ${firstStepError}`);
      assert.ok(finalError <= TOLERANCE.sampling, `final latents error ${finalError}`);
      assert.ok(pixelError <= TOLERANCE.pixel, `pixel error ${pixelError}`);
    }
  });
});
