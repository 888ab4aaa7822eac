// The seeds of `npm run eval` (scripts/eval-model.ts): they differ per prompt but are fixed, so
// every run of a prompt starts from the same noise, and a committed sample can be made again
// (test/engine/shipped-sample.test.ts).

/** The first candidate's seed of prompt `index` in a run with `--seed runSeed`. */
export function evalCandidateSeed(runSeed: number, index: number): number {
  return runSeed * 1000 + index * 10;
}

/** The seed its video is animated with. */
export function evalVideoSeed(runSeed: number, index: number): number {
  return evalCandidateSeed(runSeed, index) + 5;
}
