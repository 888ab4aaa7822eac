// CLI start-up benchmark (issue 33): from spawning `firstframe generate` to its first denoising
// step done (the `--verbose` line "first candidates step done"), as a user waits for it.
// Usage: npx tsx bench/cli-start.ts [--runs 6] [--cli src/bin/firstframe.mjs] [--other PATH]
//   --other another checkout's src/bin/firstframe.mjs to compare: the two are alternated run by
//   run, and the per-run ratio (this ÷ other) is printed with min and median.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '6' },
    cli: { type: 'string', default: 'src/bin/firstframe.mjs' },
    other: { type: 'string' },
  },
});

/** Ms from spawn to the first step's line. */
function timeToFirstStep(cli: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const args = ['generate', 'a red circle moving right', '--seed', '1', '--steps', '2'];
    const child = spawn(process.execPath, [cli, ...args, '--verbose', '-o', '/dev/null']);
    let ms: number | undefined;
    const read = (data: Buffer) => {
      if (ms === undefined && /first candidates step done/.test(String(data))) {
        ms = performance.now() - started;
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) =>
      ms === undefined ? reject(new Error(`${cli} exited ${code} before a step`)) : resolve(ms),
    );
  });
}

const summary = (xs: number[], digits = 0) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const median = (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
  return `min ${sorted[0]!.toFixed(digits)}, median ${median.toFixed(digits)}`;
};

const mine: number[] = [];
const theirs: number[] = [];
for (let run = 0; run < Number(values.runs); run++) {
  mine.push(await timeToFirstStep(values.cli));
  if (values.other) theirs.push(await timeToFirstStep(values.other));
}
console.log(
  `${values.cli}: ms to the first step ${summary(mine)} (${mine.map((ms) => ms.toFixed(0)).join(' ')})`,
);
if (values.other) {
  console.log(`${values.other}: ${summary(theirs)}`);
  console.log(
    `ratio per run (this ÷ other): ${summary(
      mine.map((ms, i) => ms / theirs[i]!),
      2,
    )}`,
  );
}
