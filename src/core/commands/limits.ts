// What `/video` accepts, following the shipped model (docs/model-format.md): 24 text tokens,
// the engine's three schedulers. Steps, guidance and scheduler have no default here: a request
// without them gets the model's own (model_index.json), which differ per stage (the shipped
// model draws first frames with more steps than the video). Callers may pass their own limits, e.g. the
// model's vocabulary so that unknown words are rejected before anything is queued.

export const SCHEDULERS = ['dpmpp_2m', 'ddim', 'euler'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

/** Largest seed: the flow adds small offsets per candidate and round, wrapping below 2^31. */
export const MAX_SEED = 2_147_483_647;

export interface VideoLimits {
  promptMaxChars: number;
  promptMaxWords: number;
  negativeMaxChars: number;
  steps: { min: number; max: number };
  guidance: { min: number; max: number };
  /** Lower-case words the model knows; when set, other words are rejected by name. */
  vocabulary?: ReadonlySet<string>;
  /** Uploaded first frames (`image` option). */
  imageMaxBytes: number;
  imageTypes: readonly string[];
}

export const DEFAULT_VIDEO_LIMITS: VideoLimits = {
  promptMaxChars: 200,
  promptMaxWords: 24,
  negativeMaxChars: 200,
  steps: { min: 1, max: 100 },
  guidance: { min: 0, max: 20 },
  imageMaxBytes: 5 * 1024 * 1024,
  imageTypes: ['image/png', 'image/jpeg', 'image/webp'],
};
