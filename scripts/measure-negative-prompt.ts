// What a negative prompt does on a model: the share of red pixels in the first-frame candidates
// drawn with and without `--negative red`, on the same seeds.
// Usage: npx tsx scripts/measure-negative-prompt.ts [modelDir] [seeds]
import sharp from 'sharp';
import { candidateSeeds } from '../src/core/contract.js';
import { loadEngine } from '../src/engine/index.js';
import { DEFAULT_MODEL_DIR } from '../src/wiring/model.js';

const modelDir = process.argv[2] ?? DEFAULT_MODEL_DIR;
const seedCount = Number(process.argv[3] ?? 8);
const PROMPTS = ['a red circle and a blue square on a black background'];

async function redShare(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let red = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (data[i]! > 150 && data[i + 1]! < 90 && data[i + 2]! < 90) red++;
  }
  return red / (info.width * info.height);
}

const engine = await loadEngine(modelDir, { useWorker: false });
for (const prompt of PROMPTS) {
  for (const negativePrompt of ['', 'red']) {
    const shares: number[] = [];
    for (let s = 0; s < seedCount; s++) {
      const result = await engine.generateCandidates({
        prompt,
        negativePrompt,
        seeds: candidateSeeds(1000 + 4 * s),
      });
      for (const candidate of result.candidates) shares.push(await redShare(candidate.png));
    }
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    const withRed = shares.filter((share) => share > 0.005).length;
    console.log(
      `"${prompt}" negative "${negativePrompt}": red pixels ${(100 * mean).toFixed(2)} % on average, ` +
        `${withRed}/${shares.length} candidates with a red object (> 0.5 % of pixels)`,
    );
  }
}
await engine.close();
