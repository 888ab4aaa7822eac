// The optional temporal video decoder (vae_video_decoder, docs/model-format.md): a copy of the
// tiny model with the fixture's decoder added must decode the image-to-video parity run to the
// frames PyTorch decoded (test/fixtures/video-decoder, written by
// python3 -m firstframe_train.video_decoder_fixture), while the sampling itself is unchanged.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ModelFormatError } from '../../src/engine/errors.js';
import { readModelFolder } from '../../src/engine/model-folder.js';
import { imageToVideo } from '../../src/engine/pipelines/image-to-video.js';
import { ModelRuntime } from '../../src/engine/runtime.js';
import {
  TINY_MODEL_DIR,
  imageToVideoParityInput,
  maxAbsDiff,
  maxScaledDiff,
  missingFixtures,
  readFloat32,
  readParity,
  readUint8,
  type ImageToVideoParity,
  type TensorRef,
} from './helpers/fixtures.js';

const FIXTURE_DIR = 'test/fixtures/video-decoder';
const SAMPLING_TOLERANCE = 2e-3;
const PIXEL_TOLERANCE = 1;

interface Fixture {
  component: Record<string, unknown>;
  frames_uint8: TensorRef;
}

function fixtureFrames(ref: TensorRef): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURE_DIR, ref.file)));
}

/** A copy of the tiny model with the fixture's vae_video_decoder in it (or `component` instead). */
function modelWithVideoDecoder(dir: string, component?: Record<string, unknown>): Fixture {
  const fixture = JSON.parse(readFileSync(join(FIXTURE_DIR, 'fixture.json'), 'utf8')) as Fixture;
  cpSync(TINY_MODEL_DIR, dir, { recursive: true });
  cpSync(join(FIXTURE_DIR, 'vae_video_decoder'), join(dir, 'vae_video_decoder'), {
    recursive: true,
  });
  const indexPath = join(dir, 'model_index.json');
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as {
    components: Record<string, unknown>;
  };
  index.components.vae_video_decoder = component ?? fixture.component;
  writeFileSync(indexPath, JSON.stringify(index, null, 2));
  return fixture;
}

/** Missing fixtures skip the suite on a laptop, and fail it in CI (as missingFixtures does). */
function missingVideoDecoderFixture(): string | false {
  if (existsSync(join(FIXTURE_DIR, 'fixture.json'))) return false;
  const message = `missing fixture ${FIXTURE_DIR}/fixture.json (cd training && python3 -m firstframe_train.video_decoder_fixture)`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

const skip = missingFixtures() ?? missingVideoDecoderFixture();

describe('temporal video decoder (vae_video_decoder)', { skip }, () => {
  let dir: string;
  let fixture: Fixture;
  let runtime: ModelRuntime;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firstframe-video-decoder-'));
    fixture = modelWithVideoDecoder(join(dir, 'model'));
    runtime = await ModelRuntime.open(readModelFolder(join(dir, 'model')), {
      provider: 'cpu',
      intraOpThreads: 1,
      interOpThreads: 1,
    });
  });
  after(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('decodes the video through it, to the frames PyTorch decoded', async (t) => {
    const c = readParity<{ image_to_video: ImageToVideoParity }>().image_to_video;
    const run = c.runs[0]!;
    assert.equal(runtime.hasVideoDecoder, true);
    const result = await imageToVideo(runtime, imageToVideoParityInput(c, run));
    const latentError = maxScaledDiff(result.latents, readFloat32(run.latents));
    const pixelError = maxAbsDiff(result.pixels, fixtureFrames(fixture.frames_uint8));
    const perFrame = readUint8(run.frames_uint8);
    let changed = 0;
    for (let i = 0; i < perFrame.length; i++) changed += Math.abs(perFrame[i]! - result.pixels[i]!);
    t.diagnostic(
      `latents ${latentError.toExponential(2)}, pixels ${pixelError}, ` +
        `mean change from per-frame decoding ${(changed / perFrame.length).toFixed(1)} levels`,
    );
    assert.ok(latentError <= SAMPLING_TOLERANCE, `latents error ${latentError}`);
    assert.ok(pixelError <= PIXEL_TOLERANCE, `pixel error ${pixelError}`);
    // The fixture's temporal weights are far from the identity: the frame-by-frame path would fail.
    assert.ok(changed / perFrame.length > 5, 'the video decoder was not used');
  });

  test('a vae_video_decoder without its latent input is refused by name', () => {
    const bad = join(dir, 'bad');
    modelWithVideoDecoder(bad, {
      path: 'vae_video_decoder/model.onnx',
      inputs: { latents: ['batch', 4, 'frames', 16, 16] },
      outputs: { sample: ['batch', 3, 'frames', 64, 64] },
    });
    assert.throws(
      () => readModelFolder(bad),
      (e) =>
        e instanceof ModelFormatError &&
        /component vae_video_decoder: manifest lacks input\(s\) latent/.test(e.message),
    );
  });
});
