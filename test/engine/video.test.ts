// MP4/GIF encoding keeps under the size limit by re-encoding smaller.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeVideo } from '../../src/engine/video.js';

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
