// A 5x7 bitmap font for the digits 1-4, so the candidate grid needs no font files (nothing
// may be downloaded, and servers may have no fonts installed).
const GLYPHS: Record<string, readonly string[]> = {
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['####.', '....#', '....#', '.###.', '....#', '....#', '####.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
};

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;

/** Draws `digit` into an RGB image (width x height x 3) at (x, y), each font pixel a
 * `scale` x `scale` block, on a dark badge so it reads on any background. */
export function drawDigitBadge(
  rgb: Uint8Array,
  width: number,
  digit: string,
  x: number,
  y: number,
  scale: number,
): void {
  const glyph = GLYPHS[digit];
  if (!glyph)
    throw new RangeError(`no glyph for "${digit}"; available: ${Object.keys(GLYPHS).join(', ')}`);
  const pad = scale;
  const badgeW = GLYPH_WIDTH * scale + 2 * pad;
  const badgeH = GLYPH_HEIGHT * scale + 2 * pad;
  for (let row = 0; row < badgeH; row++) {
    for (let col = 0; col < badgeW; col++) {
      const gx = Math.floor((col - pad) / scale);
      const gy = Math.floor((row - pad) / scale);
      const on =
        col >= pad && row >= pad && gy < GLYPH_HEIGHT && gx < GLYPH_WIDTH && glyph[gy]![gx] === '#';
      const i = ((y + row) * width + (x + col)) * 3;
      const value = on ? 255 : 32;
      rgb[i] = value;
      rgb[i + 1] = value;
      rgb[i + 2] = value;
    }
  }
}
