// Stand-in pictures for the demo job runner: a coloured shape per seed, and the 2x2 grid with
// seven-segment digits 1–4 in the corners (drawn as rectangles: no fonts needed).
import sharp from 'sharp';

const COLOURS = [
  '#e62828',
  '#28be3c',
  '#2850e6',
  '#f0dc28',
  '#963cc8',
  '#f58c1e',
  '#f078be',
  '#28c8dc',
];
const BACKGROUNDS = ['#000000', '#ffffff', '#808080'];

/** A 64x64 PNG whose colours and position follow the seed. */
export function sketchFrame(seed: number): Promise<Buffer> {
  const colour = COLOURS[seed % COLOURS.length];
  const background = BACKGROUNDS[Math.floor(seed / COLOURS.length) % BACKGROUNDS.length];
  const x = 14 + ((seed * 7) % 36);
  const y = 14 + ((seed * 13) % 36);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">
    <rect width="64" height="64" fill="${background}"/><circle cx="${x}" cy="${y}" r="9" fill="${colour}"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

// Segments a–g of a seven-segment digit, as [x, y, width, height] in a 6x10 box.
const SEGMENTS: Record<string, [number, number, number, number]> = {
  a: [1, 0, 4, 1],
  b: [5, 1, 1, 4],
  c: [5, 5, 1, 4],
  d: [1, 9, 4, 1],
  e: [0, 5, 1, 4],
  f: [0, 1, 1, 4],
  g: [1, 4.5, 4, 1],
};
const DIGITS: Record<number, string> = { 1: 'bc', 2: 'abged', 3: 'abgcd', 4: 'fgbc' };

function digitSvg(digit: number, scale: number): string {
  const rects = [...(DIGITS[digit] ?? '')].map((name) => {
    const [x, y, w, h] = SEGMENTS[name] as [number, number, number, number];
    return `<rect x="${(x + 2) * scale}" y="${(y + 2) * scale}" width="${w * scale}" height="${h * scale}" fill="#fff"/>`;
  });
  const size = 10 * scale;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size * 1.4}">
    <rect width="${size}" height="${size * 1.4}" rx="${scale}" fill="#000" fill-opacity="0.6"/>${rects.join('')}</svg>`;
}

/** The four frames upscaled into a 2x2 grid (tile px each), numbered 1–4 row by row. */
export async function sketchGrid(frames: Buffer[], tile = 128): Promise<Buffer> {
  const gap = 4;
  const size = tile * 2 + gap;
  const composites = await Promise.all(
    frames.map(async (frame, i) => {
      const left = (i % 2) * (tile + gap);
      const top = Math.floor(i / 2) * (tile + gap);
      const image = await sharp(frame).resize(tile, tile, { kernel: 'nearest' }).png().toBuffer();
      return [
        { input: image, left, top },
        { input: Buffer.from(digitSvg(i + 1, 2)), left: left + 4, top: top + 4 },
      ];
    }),
  );
  return sharp({ create: { width: size, height: size, channels: 3, background: '#202225' } })
    .composite(composites.flat())
    .png()
    .toBuffer();
}
