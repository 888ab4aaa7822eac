// Counts in what users read: "1 video", "2 videos", "0 votes open". The one place that picks a
// noun's form for a number, so no message says "1 videos".

/** `n` and the noun in the form for it; `plural` for nouns that do not just add an "s". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
