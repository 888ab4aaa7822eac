// A one-line progress bar on stderr (redrawn in place on a terminal, one line per stage
// otherwise, so logs stay readable).
import type { Progress } from '../engine/index.js';

const WIDTH = 30;
const LABELS: Record<Progress['stage'], string> = {
  candidates: 'first frames',
  video: 'video',
  encode: 'encoding',
};

export function createProgressBar(
  stream: NodeJS.WriteStream = process.stderr,
): (p: Progress) => void {
  let lastStage = '';
  return (progress) => {
    const label = LABELS[progress.stage];
    const filled = progress.total > 0 ? Math.round((progress.step / progress.total) * WIDTH) : 0;
    const bar = `${label.padEnd(12)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${progress.step}/${progress.total}`;
    const done = progress.step === progress.total;
    if (stream.isTTY) {
      stream.write(`\r${bar}${done ? '\n' : ''}`);
    } else if (done || progress.stage !== lastStage) {
      stream.write(`${bar}\n`);
    }
    lastStage = progress.stage;
  };
}
