// The engine end to end on the tiny model, through its worker thread: reproducible
// candidates, progress, cancellation, a real MP4/GIF read back by ffprobe, a responsive
// main thread.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import {
  EngineAbortedError,
  EngineInputError,
  loadEngine,
  type Engine,
  type Progress,
} from '../../src/engine/index.js';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';
import { probeVideo } from './helpers/probe.js';

const PROMPT = 'a red circle moving right on a black background';

describe('engine on the tiny model (worker thread)', { skip: missingFixtures() ?? false }, () => {
  let engine: Engine;
  let dir: string;

  before(async () => {
    engine = await loadEngine(TINY_MODEL_DIR, { intraOpThreads: 1 });
    dir = mkdtempSync(join(tmpdir(), 'firstframe-engine-test-'));
  });
  after(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('describe() reports the model, defaults and known words', () => {
    const info = engine.describe();
    assert.equal(info.video.frames, 16);
    assert.deepEqual(info.image, { width: 64, height: 64 });
    assert.ok(info.knownWords.includes('circle') && !info.knownWords.includes('[UNK]'));
    assert.deepEqual([...info.schedulers].sort(), ['ddim', 'dpmpp_2m', 'euler']);
  });

  test('same seed and options give the same pixels; other seeds differ', async () => {
    const options = { prompt: PROMPT, steps: 3, scheduler: 'euler' };
    const first = await engine.generateCandidates({ ...options, seed: 11 });
    const again = await engine.generateCandidates({ ...options, seeds: [11, 12, 13, 14] });
    const other = await engine.generateCandidates({ ...options, seed: 99 });
    assert.deepEqual(first.settings.seeds, [11, 12, 13, 14]);
    assert.equal(first.candidates.length, 4);
    for (let i = 0; i < 4; i++) {
      assert.ok(
        first.candidates[i]!.png.equals(again.candidates[i]!.png),
        `candidate ${i + 1} changed`,
      );
      assert.ok(
        !first.candidates[i]!.png.equals(other.candidates[i]!.png),
        `candidate ${i + 1} ignores the seed`,
      );
    }
    assert.ok(first.grid.equals(again.grid));
    const distinct = new Set(first.candidates.map((c) => c.png.toString('base64')));
    assert.equal(distinct.size, 4, 'the 4 candidates should differ from each other');
    const png = await sharp(first.candidates[0]!.png).metadata();
    assert.deepEqual([png.format, png.width, png.height], ['png', 64, 64]);
    const grid = await sharp(first.grid).metadata();
    assert.ok(grid.width! >= 512 && grid.height! >= 512, `grid ${grid.width}x${grid.height}`);
  });

  test('progress reports every step in order', async () => {
    const events: Progress[] = [];
    await engine.generateCandidates({
      prompt: PROMPT,
      steps: 5,
      seed: 1,
      onProgress: (p) => events.push(p),
    });
    assert.deepEqual(
      events,
      [1, 2, 3, 4, 5].map((step) => ({ stage: 'candidates', step, total: 5 })),
    );
  });

  test('an AbortSignal stops generation between steps; the engine keeps working', async () => {
    const controller = new AbortController();
    const steps: number[] = [];
    await assert.rejects(
      engine.generateCandidates({
        prompt: PROMPT,
        steps: 40,
        seed: 3,
        signal: controller.signal,
        onProgress: (p) => {
          steps.push(p.step);
          if (p.step === 2) controller.abort();
        },
      }),
      (error) => error instanceof EngineAbortedError,
    );
    assert.ok(steps.length < 40, `ran ${steps.length} of 40 steps after the abort`);
    const aborted = AbortSignal.abort();
    await assert.rejects(
      engine.generateCandidates({ prompt: PROMPT, steps: 2, signal: aborted }),
      EngineAbortedError,
    );
    const ok = await engine.generateCandidates({ prompt: PROMPT, steps: 1, seed: 3 });
    assert.equal(ok.candidates.length, 4);
  });

  test('a bad request comes back from the thread as an EngineInputError with its field', async () => {
    await assert.rejects(engine.generateCandidates({ prompt: '', steps: 2 }), (error) => {
      assert.ok(error instanceof EngineInputError, `not an EngineInputError: ${String(error)}`);
      assert.equal(error.name, 'EngineInputError');
      assert.equal(error.field, 'prompt');
      return true;
    });
  });

  test('a chosen candidate becomes a 16-frame H.264 yuv420p MP4 and a GIF', async () => {
    const { candidates } = await engine.generateCandidates({ prompt: PROMPT, steps: 2, seed: 5 });
    const events: Progress[] = [];
    // The main thread stays responsive while the worker runs the model: its timer keeps
    // firing between the engine's progress reports (one timeline, in order).
    const timeline: string[] = [];
    const timer = setInterval(() => timeline.push('tick'), 5);
    const video = await engine.animate({
      prompt: PROMPT,
      image: candidates[1]!.png,
      seed: 5,
      steps: 3,
      onProgress: (p) => {
        events.push(p);
        timeline.push(`${p.stage}${p.step}`);
      },
    });
    clearInterval(timer);
    assert.deepEqual(
      events.map((e) => `${e.stage}${e.step}/${e.total}`),
      ['video1/3', 'video2/3', 'video3/3', 'encode0/1', 'encode1/1'],
    );
    const running = timeline.slice(timeline.indexOf('video1'), timeline.lastIndexOf('encode1'));
    assert.ok(running.includes('tick'), `the event loop ran mid-job: ${timeline.join(' ')}`);
    const path = join(dir, 'out.mp4');
    writeFileSync(path, video.mp4);
    const probe = probeVideo(path);
    assert.deepEqual(
      { codec: probe.codec, pixelFormat: probe.pixelFormat, frames: probe.frames },
      { codec: 'h264', pixelFormat: 'yuv420p', frames: 16 },
    );
    assert.ok(probe.width >= 256 && probe.height >= 256, `${probe.width}x${probe.height}`);
    // faststart: the index (moov) comes before the media data (mdat).
    assert.ok(
      video.mp4.indexOf('moov') < video.mp4.indexOf('mdat'),
      'moov atom is not at the front',
    );
    assert.equal(video.gif.subarray(0, 6).toString('ascii'), 'GIF89a');
    assert.ok(video.mp4.byteLength <= 10 * 1024 * 1024 && video.gif.byteLength <= 10 * 1024 * 1024);

    const again = await engine.animate({
      prompt: PROMPT,
      image: candidates[1]!.png,
      seed: 5,
      steps: 3,
    });
    assert.ok(again.mp4.equals(video.mp4), 'same seed and image should give the same video');
  });
});
