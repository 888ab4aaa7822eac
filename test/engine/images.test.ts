// The grid's nearest-neighbour upscale: every output pixel is its source pixel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upscaleNearest } from '../../src/engine/images.js';

test('upscaleNearest: pixel (x, y) of the output is pixel (x / f, y / f) of the input', () => {
  const size = { width: 5, height: 3 };
  const rgb = Uint8Array.from({ length: size.width * size.height * 3 }, (_, i) => (i * 37) % 256);
  for (const factor of [1, 2, 4]) {
    const out = upscaleNearest(rgb, size, factor);
    const width = size.width * factor;
    assert.equal(out.length, width * size.height * factor * 3);
    for (let y = 0; y < size.height * factor; y++) {
      for (let x = 0; x < width; x++) {
        const source = (Math.floor(y / factor) * size.width + Math.floor(x / factor)) * 3;
        const pixel = [...out.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
        assert.deepEqual(pixel, [...rgb.subarray(source, source + 3)], `(${x}, ${y}) x${factor}`);
      }
    }
  }
});
