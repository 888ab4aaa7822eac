// `firstframe extend in.mp4 "<caption>"`: continues a video with a model trained for it
// (video_masks lists "continue"): the frames after its last k, under the same or a new caption.
// Writes the whole video (the input's frames, then the new ones) as MP4 + GIF.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EngineInputError } from '../engine/index.js';
import {
  ENGINE_USAGE,
  number,
  openEngine,
  report,
  SAMPLING_USAGE,
  samplingSettings,
  SHARED_OPTIONS,
  writeVideo,
} from './options.js';
import { createProgressBar } from './progress-bar.js';

export const EXTEND_USAGE = `Usage: firstframe extend in.mp4 "<caption>" [options] -o out.mp4

Continues in.mp4 (any video ffmpeg reads; frames scaled to the model's size) with F - k new
frames after its last k (F: the model's frames per video), under the caption; writes the whole
video, at the model's fps.

Options:
  -o, --output <file>      MP4 to write (default: extended.mp4); a GIF is written next to it
      --context <k>        how many of the last frames the new ones follow (1..F/2; default F/4)
${SAMPLING_USAGE}
${ENGINE_USAGE}`;

export async function extendCommand(args: string[]): Promise<void> {
  if (args.includes('--verbose')) report('modules loaded');
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...SHARED_OPTIONS,
      output: { type: 'string', short: 'o', default: 'extended.mp4' },
      context: { type: 'string' },
    },
  });
  if (positionals.length !== 2) {
    throw new EngineInputError(
      'prompt',
      `give the video file and one quoted caption\n\n${EXTEND_USAGE}`,
    );
  }
  const [input, caption] = positionals as [string, string];
  const video = await readFile(input).catch((error: NodeJS.ErrnoException) => {
    throw new EngineInputError('video', `cannot read ${input} (${error.code ?? error.message})`);
  });
  const contextFrames = number('context', values.context);
  const settings = samplingSettings(caption, values, createProgressBar());

  const engine = await openEngine(values);
  try {
    const result = await engine.extend({
      ...settings,
      video,
      ...(contextFrames === undefined ? {} : { contextFrames }),
    });
    const gif = await writeVideo(values.output, result);
    console.error(
      `wrote ${values.output} (${result.frames} frames: ${result.frames - result.newFrames} of ${input} ` +
        `+ ${result.newFrames} new after its last ${result.settings.contextFrames}, at ${result.fps} fps) ` +
        `and ${gif}; seed ${result.settings.seed}`,
    );
  } finally {
    await engine.close();
  }
}
