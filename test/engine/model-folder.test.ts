// A model folder that breaks the contract (docs/model-format.md) fails to load with a
// message naming the component and the mismatch.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ModelFormatError, loadEngine, type Progress } from '../../src/engine/index.js';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';

interface ManifestJson {
  video_masks?: string[];
  latent: Record<string, unknown>;
  defaults: Record<string, unknown>;
  components: Record<string, { inputs: Record<string, unknown[]> }>;
}

describe('model folder checks', { skip: missingFixtures() ?? false }, () => {
  let dir: string;
  const manifestPath = () => join(dir, 'model_index.json');
  const editManifest = (edit: (manifest: ManifestJson) => void) => {
    const manifest = JSON.parse(readFileSync(manifestPath(), 'utf8')) as ManifestJson;
    edit(manifest);
    writeFileSync(manifestPath(), JSON.stringify(manifest));
  };
  const load = () => loadEngine(dir, { useWorker: false, intraOpThreads: 1 });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'firstframe-model-'));
    cpSync(TINY_MODEL_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the unchanged copy loads', async () => {
    const engine = await load();
    await engine.close();
  });

  test('a missing folder or file', async () => {
    await assert.rejects(loadEngine(join(dir, 'nope')), /does not exist/);
    rmSync(join(dir, 'unet_video', 'model.onnx'));
    await assert.rejects(
      load(),
      (e) => e instanceof ModelFormatError && /unet_video: file .* is missing/.test(e.message),
    );
  });

  test('a component missing from the manifest', async () => {
    editManifest((m) => delete m.components.vae_encoder);
    await assert.rejects(
      load(),
      /lists no "vae_encoder" component; required: text_encoder, vae_encoder/,
    );
  });

  test('an invalid manifest field', async () => {
    editManifest((m) => (m.latent.channels = 'four'));
    await assert.rejects(load(), /latent\.channels/);
  });

  test('video_masks: known masks only, and defaults.interpolate only with "interpolate"', async () => {
    editManifest((m) => (m.video_masks = ['first', 'middle']));
    await assert.rejects(load(), /video_masks/);
    editManifest((m) => {
      m.video_masks = ['first', 'continue'];
      m.defaults.interpolate = true;
    });
    await assert.rejects(load(), /defaults\.interpolate needs "interpolate" in video_masks/);
    editManifest((m) => (m.video_masks = ['first', 'interpolate']));
    const engine = await load();
    assert.deepEqual(engine.describe().videoMasks, ['first', 'interpolate']);
    await engine.close();
  });

  test('manifest input names that the ONNX file does not have', async () => {
    editManifest((m) => (m.components.unet_image.inputs.extra_input = ['batch']));
    await assert.rejects(load(), /unet_image: ONNX file lacks input\(s\) extra_input/);
  });

  test('a fixed dimension that differs from the ONNX file', async () => {
    editManifest((m) => (m.components.unet_image.inputs.sample = ['batch', 5, 16, 16]));
    await assert.rejects(
      load(),
      /unet_image: input sample has shape \[.*\] in the ONNX file but \[batch, 5, 16, 16\]/,
    );
  });

  test('first frames take image_num_inference_steps where set, the video num_inference_steps', async () => {
    editManifest((m) => {
      m.defaults.num_inference_steps = 2;
      m.defaults.image_num_inference_steps = 3;
    });
    const engine = await load();
    try {
      const totals = new Set<string>();
      const onProgress = (p: Progress) => totals.add(`${p.stage}/${p.total}`);
      const prompt = 'a red circle moving right on a black background';
      const { candidates } = await engine.generateCandidates({ prompt, seed: 1, onProgress });
      await engine.animate({ prompt, image: candidates[0]!.png, seed: 2, onProgress });
      assert.ok(totals.has('candidates/3') && totals.has('video/2'), [...totals].join(', '));
      assert.ok(!totals.has('candidates/2') && !totals.has('video/3'), [...totals].join(', '));
    } finally {
      await engine.close();
    }
  });

  test('the video takes video_scheduler and video_eta where set; a named scheduler runs plain', async () => {
    editManifest((m) => {
      m.defaults.num_inference_steps = 2;
      m.defaults.scheduler = 'dpmpp_2m';
      m.defaults.video_scheduler = 'ddim';
      m.defaults.video_eta = 0.5;
    });
    const engine = await load();
    try {
      const prompt = 'a red circle moving right on a black background';
      const drawn = await engine.generateCandidates({ prompt, seed: 1 });
      assert.equal(drawn.settings.scheduler, 'dpmpp_2m');
      const image = drawn.candidates[0]!.png;
      const video = await engine.animate({ prompt, image, seed: 2 });
      assert.deepEqual([video.settings.scheduler, video.settings.eta], ['ddim', 0.5]);
      // The step noise comes from the seed: the same request gives the same video.
      const again = await engine.animate({ prompt, image, seed: 2 });
      assert.ok(video.gif.equals(again.gif), 'eta 0.5 is not reproducible from the seed');
      const plain = await engine.animate({ prompt, image, seed: 2, scheduler: 'ddim' });
      assert.deepEqual([plain.settings.scheduler, plain.settings.eta], ['ddim', 0]);
      assert.ok(!plain.gif.equals(video.gif), 'eta changed nothing');
      const own = await engine.animate({ prompt, image, seed: 2, scheduler: 'ddim', eta: 1 });
      assert.equal(own.settings.eta, 1);
    } finally {
      await engine.close();
    }
  });

  test('first frames take first_frame_eta with a ddim scheduler; each candidate keeps its own noise', async () => {
    editManifest((m) => {
      m.defaults.image_num_inference_steps = 3;
      m.defaults.scheduler = 'ddim';
      m.defaults.first_frame_eta = 1;
      // The video on the first frames' sampler, plain.
      delete m.defaults.video_scheduler;
      delete m.defaults.video_eta;
    });
    const engine = await load();
    try {
      const prompt = 'a red circle moving right on a black background';
      const drawn = await engine.generateCandidates({ prompt, seeds: [1, 2, 3, 4] });
      assert.deepEqual([drawn.settings.scheduler, drawn.settings.eta], ['ddim', 1]);
      // Candidate 1 depends on its own seed only, not on the seeds beside it in the batch.
      const mixed = await engine.generateCandidates({ prompt, seeds: [1, 7, 8, 9] });
      assert.ok(drawn.candidates[0]!.png.equals(mixed.candidates[0]!.png), 'candidate 1 changed');
      assert.ok(!drawn.candidates[1]!.png.equals(mixed.candidates[1]!.png), 'seed 7 ignored');
      const plain = await engine.generateCandidates({ prompt, seeds: [1, 2, 3, 4], eta: 0 });
      assert.ok(!plain.candidates[0]!.png.equals(drawn.candidates[0]!.png), 'eta changed nothing');
      // The video's default stays plain: video_eta is unset.
      const video = await engine.animate({
        prompt,
        image: drawn.candidates[0]!.png,
        seed: 2,
        steps: 2,
      });
      assert.deepEqual([video.settings.scheduler, video.settings.eta], ['ddim', 0]);
    } finally {
      await engine.close();
    }
  });

  const etaWithoutDdim = [
    {
      field: 'first_frame_eta',
      scheduler: 'euler',
      message: /first_frame_eta applies only when scheduler is ddim/,
    },
    {
      field: 'video_eta',
      scheduler: 'dpmpp_2m',
      message: /video_eta applies only when the video scheduler is ddim/,
    },
  ];
  for (const { field, scheduler, message } of etaWithoutDdim) {
    test(`${field} without a ddim scheduler for its stage is refused`, async () => {
      editManifest((m) => {
        delete m.defaults.video_scheduler; // both stages on `scheduler`
        m.defaults.scheduler = scheduler;
        m.defaults[field] = 0.5;
      });
      await assert.rejects(load(), (e) => e instanceof ModelFormatError && message.test(e.message));
    });
  }

  test('first frames take first_frame_guidance_scale where set, the video guidance_scale', async () => {
    editManifest((m) => {
      m.defaults.num_inference_steps = 2;
      m.defaults.guidance_scale = 4;
      m.defaults.first_frame_guidance_scale = 2.5;
    });
    const engine = await load();
    try {
      const prompt = 'a red circle moving right on a black background';
      const drawn = await engine.generateCandidates({ prompt, seed: 1 });
      assert.equal(drawn.settings.guidance, 2.5);
      const video = await engine.animate({ prompt, image: drawn.candidates[0]!.png, seed: 2 });
      assert.equal(video.settings.guidance, 4);
      // A request's own guidance still wins, for either stage.
      const own = await engine.generateCandidates({ prompt, seed: 1, guidance: 6 });
      assert.equal(own.settings.guidance, 6);
    } finally {
      await engine.close();
    }
  });
});
