// Float images (NCHW, about [-1, 1]) <-> 8-bit RGB pixels (N x H x W x 3), with the mapping
// the training code uses: u8 = round((clamp(x, -1, 1) + 1) * 127.5), x = u8 / 127.5 - 1.

export function toPixels(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
): Uint8Array {
  const plane = height * width;
  const out = new Uint8Array(count * plane * 3);
  for (let n = 0; n < count; n++) {
    for (let c = 0; c < 3; c++) {
      const source = (n * 3 + c) * plane;
      for (let p = 0; p < plane; p++) {
        const x = Math.min(1, Math.max(-1, images[source + p]!));
        out[(n * plane + p) * 3 + c] = Math.round((x + 1) * 127.5);
      }
    }
  }
  return out;
}

export function fromPixels(
  pixels: Uint8Array,
  count: number,
  height: number,
  width: number,
): Float32Array {
  const plane = height * width;
  const out = new Float32Array(count * 3 * plane);
  for (let n = 0; n < count; n++) {
    for (let c = 0; c < 3; c++) {
      const target = (n * 3 + c) * plane;
      for (let p = 0; p < plane; p++)
        out[target + p] = pixels[(n * plane + p) * 3 + c]! / 127.5 - 1;
    }
  }
  return out;
}
