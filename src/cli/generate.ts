// `firstframe generate "<prompt>"`: prompt -> 4 candidate first frames -> the chosen one
// animated -> MP4 (+ GIF, + the numbered grid). Or, with --image, animate that image.
// Needs only the model folder: no Redis, no database.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EngineInputError, videoMaskProblem } from '../engine/index.js';
import {
  ENGINE_USAGE,
  number,
  openEngine,
  outputBase,
  report,
  SAMPLING_USAGE,
  samplingSettings,
  SHARED_OPTIONS,
  writeVideo,
} from './options.js';
import { createProgressBar } from './progress-bar.js';

export const GENERATE_USAGE = `Usage: firstframe generate "<prompt>" [options] -o out.mp4

Options:
  -o, --output <file>      MP4 to write (default: out.mp4); a GIF is written next to it
${SAMPLING_USAGE}
      --interpolate        interpolate the video to twice the frames and fps (a model trained
                           for it: video_masks lists "interpolate")
      --no-interpolate     do not, even where the model interpolates by default
      --image <file>       animate this PNG/JPEG instead of generating first frames
      --pick <1-4>         which candidate to animate (default: 1)
${ENGINE_USAGE}`;

export async function generateCommand(args: string[]): Promise<void> {
  if (args.includes('--verbose')) report('modules loaded');
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...SHARED_OPTIONS,
      output: { type: 'string', short: 'o', default: 'out.mp4' },
      image: { type: 'string' },
      pick: { type: 'string', default: '1' },
      interpolate: { type: 'boolean' },
      'no-interpolate': { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) {
    throw new EngineInputError('prompt', `give exactly one quoted prompt\n\n${GENERATE_USAGE}`);
  }
  const pick = number('pick', values.pick)!;
  if (![1, 2, 3, 4].includes(pick))
    throw new EngineInputError('pick', '--pick must be 1, 2, 3 or 4');
  if (values.interpolate && values['no-interpolate']) {
    throw new EngineInputError('interpolate', 'give --interpolate or --no-interpolate, not both');
  }
  const interpolate = values.interpolate ? true : values['no-interpolate'] ? false : undefined;
  const settings = samplingSettings(positionals[0]!, values, createProgressBar());
  const output = values.output;
  const base = outputBase(output);

  const engine = await openEngine(values);
  try {
    // Refused before the first frames are drawn, in the engine's words.
    const { name, videoMasks } = engine.describe();
    const problem = interpolate ? videoMaskProblem(name, videoMasks, 'interpolate') : undefined;
    if (problem) throw new EngineInputError('interpolate', problem);
    let image: Uint8Array;
    if (values.image) {
      image = await readFile(values.image);
    } else {
      const result = await engine.generateCandidates(settings);
      await writeFile(`${base}.grid.png`, result.grid);
      const chosen = result.candidates[pick - 1]!;
      await writeFile(`${base}.frame.png`, chosen.png);
      console.error(
        `first frames: ${base}.grid.png (seeds ${result.settings.seeds.join(', ')}); animating ${pick}`,
      );
      image = chosen.png;
    }
    const video = await engine.animate({
      ...settings,
      image,
      ...(interpolate === undefined ? {} : { interpolate }),
    });
    const gif = await writeVideo(output, video);
    console.error(
      `wrote ${output} (${video.frames} frames at ${video.fps} fps, ${video.mp4Size}x${video.mp4Size}, ` +
        `${(video.mp4.byteLength / 1024).toFixed(0)} KiB) and ${gif}; seed ${video.settings.seed}`,
    );
  } finally {
    await engine.close();
  }
}
