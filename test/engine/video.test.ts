// MP4/GIF encoding keeps under the size limit by re-encoding smaller, and its early-started
// encoders never outlive their job.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { EngineAbortedError, loadEngine } from '../../src/engine/index.js';
import { encodeVideo, VideoEncoding } from '../../src/engine/video.js';
import { missingFixtures, TINY_MODEL_DIR } from './helpers/fixtures.js';

const PROMPT = 'a red circle moving right on a black background';

function noiseFrames(frames: number, side: number): Uint8Array {
  const pixels = new Uint8Array(frames * side * side * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return pixels;
}

const frames = { pixels: noiseFrames(16, 64), frames: 16, width: 64, height: 64, fps: 8 };

test('within a roomy limit the video is shown at the display size', async () => {
  const video = await encodeVideo(frames, 256, 10 * 1024 * 1024);
  assert.equal(video.mp4Size, 256);
  assert.equal(video.gifSize, 256);
});

test('a tight limit makes the encoder go smaller until it fits', async () => {
  const roomy = await encodeVideo(frames, 256, 10 * 1024 * 1024);
  const limit = Math.floor(Math.min(roomy.mp4.byteLength, roomy.gif.byteLength) * 0.6);
  const tight = await encodeVideo(frames, 256, limit);
  assert.ok(tight.mp4.byteLength <= limit, `mp4 ${tight.mp4.byteLength} > ${limit}`);
  assert.ok(tight.gif.byteLength <= limit, `gif ${tight.gif.byteLength} > ${limit}`);
  assert.ok(tight.gifSize < 256, 'the GIF should have been made smaller');
});

test('an impossible limit is an error naming the limit', async () => {
  await assert.rejects(encodeVideo(frames, 256, 2048), /over the 2048-byte limit/);
});

// The encoders a video job starts early must never outlive it: no ffmpeg process, no temp
// folder, whatever way the job ends. This file's temp folder is its own, so it can be counted.
const ownTmp = mkdtempSync(join(tmpdir(), 'firstframe-video-test-'));
process.env.TMPDIR = ownTmp;
after(() => rmSync(ownTmp, { recursive: true, force: true }));

/** This process's descendants named ffmpeg (they start from the launcher, a child of ours). */
function ffmpegDescendants(): number {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
  const ours = new Set([String(process.pid)]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of rows) {
      if (ours.has(ppid!) && !ours.has(pid!)) grew = Boolean(ours.add(pid!));
    }
  }
  return rows.filter(([pid, , name]) => ours.has(pid!) && name!.includes('ffmpeg')).length;
}

function leftovers(): { folders: string[]; ffmpeg: number } {
  // Only ours: other libraries (onnxruntime's logs) write there too.
  const folders = readdirSync(ownTmp).filter((name) => name.startsWith('firstframe-'));
  return { folders, ffmpeg: ffmpegDescendants() };
}

test('encoders started before the frames exist stop, and leave nothing, when cancelled', async () => {
  const encoding = new VideoEncoding(frames, 256, 10 * 1024 * 1024);
  await setTimeout(50);
  assert.equal(leftovers().ffmpeg, 2, 'the MP4 and GIF encoders should be running');
  await encoding.cancel();
  assert.deepEqual(leftovers(), { folders: [], ffmpeg: 0 });
});

test('frames that are not whole frames are refused, and leave nothing', async () => {
  const encoding = new VideoEncoding(frames, 256, 10 * 1024 * 1024);
  await assert.rejects(encoding.finish(frames.pixels.subarray(1)), /not whole 12288-byte frames/);
  assert.deepEqual(leftovers(), { folders: [], ffmpeg: 0 });
});

test(
  'a video job stopped mid-way stops its early encoders; the next one encodes',
  {
    skip: missingFixtures() ?? false,
  },
  async () => {
    const engine = await loadEngine(TINY_MODEL_DIR, { intraOpThreads: 1, useWorker: false });
    try {
      const { candidates } = await engine.generateCandidates({ prompt: PROMPT, steps: 1, seed: 2 });
      const controller = new AbortController();
      const request = { prompt: PROMPT, image: candidates[0]!.png, seed: 2, steps: 4 };
      await assert.rejects(
        engine.animate({
          ...request,
          signal: controller.signal,
          onProgress: (p) => p.step === 2 && controller.abort(),
        }),
        EngineAbortedError,
      );
      assert.deepEqual(leftovers(), { folders: [], ffmpeg: 0 });
      const video = await engine.animate(request);
      assert.equal(video.frames, 16);
      assert.ok(video.mp4.byteLength > 0 && video.gif.byteLength > 0);
      assert.deepEqual(leftovers(), { folders: [], ffmpeg: 0 });
    } finally {
      await engine.close();
    }
  },
);
