// What callers pass to generateCandidates() / animate(), the allowed ranges, and the checks
// that turn a request into a validated job before any inference runs.
import { randomInt } from 'node:crypto';
import { EngineInputError } from './errors.js';
import type { Manifest } from './manifest.js';
import { MAX_SEED } from './rng.js';
import { SCHEDULER_NAMES, isSchedulerName, type SchedulerName } from './schedulers/index.js';
import type { PromptTokenizer } from './tokenizer.js';

export const CANDIDATE_COUNT = 4;

const PUNCTUATION = /[^\w\s]+/gu;

export const LIMITS = {
  promptChars: 500,
  steps: { min: 1, max: 50 },
  guidance: { min: 0, max: 20 },
  imageGuidance: { min: 0, max: 20 },
  guidanceRescale: { min: 0, max: 1 },
  eta: { min: 0, max: 1 },
  seed: { min: 0, max: MAX_SEED },
} as const;

export interface Progress {
  stage: 'candidates' | 'video' | 'encode';
  step: number;
  total: number;
}

interface CommonRequest {
  prompt: string;
  steps?: number;
  guidance?: number;
  guidanceRescale?: number;
  scheduler?: string;
  /** DDIM's eta (ddim only); default: the model's for the stage when no scheduler is named, else 0. */
  eta?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export interface CandidatesRequest extends CommonRequest {
  /** One seed per candidate (4), or one seed s giving s, s+1, s+2, s+3; random if absent. */
  seeds?: readonly number[];
  seed?: number;
}

export interface AnimateRequest extends CommonRequest {
  /** PNG or JPEG bytes: a chosen candidate or a user's upload. */
  image: Uint8Array;
  seed?: number;
  imageGuidance?: number;
}

/** The numbers a pipeline runs with once a request passed the checks. */
export interface SamplingSettings {
  prompt: string;
  scheduler: SchedulerName;
  steps: number;
  guidance: number;
  guidanceRescale: number;
  eta: number;
}

export interface CandidatesJob extends SamplingSettings {
  seeds: number[];
}

export interface AnimateJob extends SamplingSettings {
  seed: number;
  imageGuidance: number;
}

function checkNumber(
  field: string,
  value: number | undefined,
  fallback: number,
  range: { min: number; max: number },
  integer = false,
): number {
  const chosen = value ?? fallback;
  const kind = integer ? 'a whole number' : 'a number';
  if (
    typeof chosen !== 'number' ||
    !Number.isFinite(chosen) ||
    (integer && !Number.isInteger(chosen))
  ) {
    throw new EngineInputError(
      field,
      `${field} must be ${kind} from ${range.min} to ${range.max}, got ${String(chosen)}`,
    );
  }
  if (chosen < range.min || chosen > range.max) {
    throw new EngineInputError(
      field,
      `${field} must be from ${range.min} to ${range.max}, got ${chosen}`,
    );
  }
  return chosen;
}

export function checkSeed(field: string, seed: number): number {
  return checkNumber(field, seed, 0, LIMITS.seed, true);
}

export function randomSeed(): number {
  return randomInt(0, 2 ** 32 - 1);
}

export function checkPrompt(prompt: unknown, tokenizer: PromptTokenizer): string {
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    throw new EngineInputError(
      'prompt',
      'prompt is empty; describe the video, e.g. "a red circle moving right on a black background"',
    );
  }
  if (prompt.length > LIMITS.promptChars) {
    throw new EngineInputError(
      'prompt',
      `prompt is ${prompt.length} characters long; at most ${LIMITS.promptChars} are allowed`,
    );
  }
  // The vocabulary has no punctuation: "a red circle, moving right." means the same words.
  const text = prompt.replace(PUNCTUATION, ' ').replace(/\s+/g, ' ').trim();
  if (text === '') {
    throw new EngineInputError('prompt', 'prompt has no words; describe the video in words');
  }
  const unknown = tokenizer.unknownWords(text);
  if (unknown.length > 0) {
    const listed = [...new Set(unknown)].map((w) => `"${w}"`).join(', ');
    throw new EngineInputError(
      'prompt',
      `the model does not know ${listed}. Known words: ${tokenizer.knownWords().join(', ')}`,
    );
  }
  const tokens = tokenizer.encode(text).tokens.length;
  if (tokens > tokenizer.maxLength) {
    throw new EngineInputError(
      'prompt',
      `prompt has ${tokens} words; the model reads at most ${tokenizer.maxLength}`,
    );
  }
  return text;
}

/** What a request without its own scheduler, steps or guidance gets, per stage: the first frames
 * and the video may take other settings (optional fields, docs/model-format.md). `eta` is the
 * default scheduler's (a request naming a scheduler gets it plain, eta 0). */
export function stageDefaults(
  defaults: Manifest['defaults'],
  stage: 'candidates' | 'video',
): { scheduler: SchedulerName; steps: number; guidance: number; eta: number } {
  if (stage === 'video') {
    return {
      scheduler: defaults.video_scheduler ?? defaults.scheduler,
      steps: defaults.num_inference_steps,
      guidance: defaults.guidance_scale,
      eta: defaults.video_eta ?? 0,
    };
  }
  return {
    scheduler: defaults.scheduler,
    steps: defaults.image_num_inference_steps ?? defaults.num_inference_steps,
    guidance: defaults.first_frame_guidance_scale ?? defaults.guidance_scale,
    eta: defaults.first_frame_eta ?? 0,
  };
}

function checkSettings(
  request: CommonRequest,
  manifest: Manifest,
  tokenizer: PromptTokenizer,
  stage: 'candidates' | 'video',
): SamplingSettings {
  const defaults = manifest.defaults;
  const ownDefaults = stageDefaults(defaults, stage);
  const scheduler = request.scheduler ?? ownDefaults.scheduler;
  if (!isSchedulerName(scheduler)) {
    throw new EngineInputError(
      'scheduler',
      `unknown scheduler "${scheduler}"; allowed: ${SCHEDULER_NAMES.join(', ')}`,
    );
  }
  // A named scheduler runs plain unless the request gives its own eta.
  const eta = checkNumber(
    'eta',
    request.eta,
    request.scheduler === undefined ? ownDefaults.eta : 0,
    LIMITS.eta,
  );
  if (eta > 0 && scheduler !== 'ddim') {
    throw new EngineInputError(
      'eta',
      `eta applies only to the ddim scheduler; the ${stage === 'video' ? 'video runs' : 'first frames run'} ${scheduler} (use eta 0 or scheduler ddim)`,
    );
  }
  return {
    prompt: checkPrompt(request.prompt, tokenizer),
    scheduler,
    eta,
    steps: checkNumber('steps', request.steps, ownDefaults.steps, LIMITS.steps, true),
    guidance: checkNumber('guidance', request.guidance, ownDefaults.guidance, LIMITS.guidance),
    guidanceRescale: checkNumber(
      'guidanceRescale',
      request.guidanceRescale,
      defaults.guidance_rescale,
      LIMITS.guidanceRescale,
    ),
  };
}

export function checkCandidatesRequest(
  request: CandidatesRequest,
  manifest: Manifest,
  tokenizer: PromptTokenizer,
): CandidatesJob {
  const settings = checkSettings(request, manifest, tokenizer, 'candidates');
  let seeds: number[];
  if (request.seeds !== undefined) {
    if (!Array.isArray(request.seeds) || request.seeds.length !== CANDIDATE_COUNT) {
      throw new EngineInputError(
        'seeds',
        `seeds must list exactly ${CANDIDATE_COUNT} seeds, one per candidate`,
      );
    }
    seeds = request.seeds.map((seed, i) => checkSeed(`seeds[${i}]`, seed));
  } else {
    const first = request.seed === undefined ? randomSeed() : checkSeed('seed', request.seed);
    seeds = Array.from({ length: CANDIDATE_COUNT }, (_, i) => (first + i) % (MAX_SEED + 1));
  }
  return { ...settings, seeds };
}

export function checkAnimateSettings(
  request: AnimateRequest,
  manifest: Manifest,
  tokenizer: PromptTokenizer,
): AnimateJob {
  const settings = checkSettings(request, manifest, tokenizer, 'video');
  return {
    ...settings,
    seed: request.seed === undefined ? randomSeed() : checkSeed('seed', request.seed),
    imageGuidance: checkNumber(
      'imageGuidance',
      request.imageGuidance,
      manifest.defaults.image_guidance_scale,
      LIMITS.imageGuidance,
    ),
  };
}
