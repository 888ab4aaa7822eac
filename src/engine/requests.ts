// What callers pass to generateCandidates() / animate(), and the checks that turn a request
// into a validated job before any inference runs. The rules are the request contract's
// (core/contract.ts), narrowed to this model by `requestLimitsOf`.
import {
  CANDIDATE_COUNT,
  candidateSeeds,
  DEFAULT_VARIATION_STRENGTH,
  limitsForModel,
  negativePromptProblems,
  promptProblems,
  randomSeed,
  rangeProblem,
  schedulerProblem,
  type Range,
  type RequestLimits,
  type SchedulerName,
} from '../core/contract.js';
import { EngineInputError } from './errors.js';
import { videoMasksOf, type Manifest, type VideoMask } from './manifest.js';
import type { ModelFolder } from './model-folder.js';

const PUNCTUATION = /[^\w\s]+/gu;

/** What this model accepts: its words, its text length, its step maximum and schedulers. */
export function requestLimitsOf(
  folder: Pick<ModelFolder, 'manifest' | 'tokenizer'>,
): RequestLimits {
  const { manifest, tokenizer } = folder;
  return limitsForModel({
    vocabulary: tokenizer.knownWords(),
    maxWords: manifest.text.max_length,
    ...(manifest.limits?.max_inference_steps
      ? { maxSteps: manifest.limits.max_inference_steps }
      : {}),
    ...(manifest.limits?.schedulers ? { schedulers: manifest.limits.schedulers } : {}),
    fps: fpsMadeBy(manifest),
  });
}

/** Its video's fps, and twice that when its video model interpolates (`animate({interpolate})`). */
export function fpsMadeBy(manifest: Manifest): number[] {
  const fps = manifest.video.fps;
  return videoMasksOf(manifest).includes('interpolate') ? [fps, fps * 2] : [fps];
}

export interface Progress {
  stage: 'candidates' | 'video' | 'encode';
  step: number;
  total: number;
}

interface CommonRequest {
  prompt: string;
  /** Words the output should not show: guidance steers away from them instead of from "". */
  negativePrompt?: string;
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
  /** Variations (SDEdit): start from this image re-noised to `strength` instead of pure noise. */
  init?: InitImage;
}

export interface InitImage {
  /** PNG or JPEG bytes: the candidate the variations are of. */
  image: Uint8Array;
  /** How far it is re-noised, in the contract's `strength` range; default
   * DEFAULT_VARIATION_STRENGTH. */
  strength?: number;
}

export interface AnimateRequest extends CommonRequest {
  /** PNG or JPEG bytes: a chosen candidate or a user's upload. */
  image: Uint8Array;
  seed?: number;
  imageGuidance?: number;
  /** Interpolate the video to twice its frames and fps (2F - 1 frames); default: the model's
   * `defaults.interpolate`, else false. Only for a model trained for it ("interpolate"). */
  interpolate?: boolean;
}

/** RGB frames at the model's image size, frames x H x W x 3. */
export interface VideoFrames {
  pixels: Uint8Array;
  frames: number;
}

export interface ExtendRequest extends CommonRequest {
  /** The video to continue: a video file's bytes (MP4, GIF, ...: read with ffmpeg, each frame
   * centre-cropped to a square and scaled to the model's size), or its frames at that size. */
  video: Uint8Array | VideoFrames;
  seed?: number;
  imageGuidance?: number;
  /** k: how many of the video's last frames the new ones follow (1..F/2; default F/4). The
   * video grows by F - k frames. */
  contextFrames?: number;
}

/** The numbers a pipeline runs with once a request passed the checks. */
export interface SamplingSettings {
  prompt: string;
  /** The caption of the unguided half of classifier-free guidance ("" without a negative). */
  negativePrompt: string;
  scheduler: SchedulerName;
  steps: number;
  guidance: number;
  guidanceRescale: number;
  eta: number;
}

export interface CandidatesJob extends SamplingSettings {
  seeds: number[];
  /** Set for variations: how far the init image is re-noised. */
  strength?: number;
}

export interface AnimateJob extends SamplingSettings {
  seed: number;
  imageGuidance: number;
  interpolate: boolean;
}

export interface ExtendJob extends SamplingSettings {
  seed: number;
  imageGuidance: number;
  contextFrames: number;
}

function checkNumber(
  field: string,
  value: number | undefined,
  fallback: number,
  range: Range,
  integer = false,
): number {
  const chosen = value ?? fallback;
  const problem = rangeProblem(field, chosen, range, integer);
  if (problem) throw new EngineInputError(field, problem);
  return chosen;
}

function checkSeed(field: string, seed: number, limits: RequestLimits): number {
  return checkNumber(field, seed, 0, limits.seed, true);
}

/** The prompt (or negative prompt) as the model reads it, punctuation dropped; or
 * EngineInputError with the contract's words. */
export function checkPrompt(
  text: unknown,
  limits: RequestLimits,
  field: 'prompt' | 'negativePrompt' = 'prompt',
): string {
  if (typeof text !== 'string') throw new EngineInputError(field, `${field} must be text`);
  const problems =
    field === 'prompt' ? promptProblems(text, limits) : negativePromptProblems(text, limits);
  if (problems.length > 0) throw new EngineInputError(field, problems.join('; '));
  // The vocabulary has no punctuation: "a red circle, moving right." means the same words.
  return text.replace(PUNCTUATION, ' ').replace(/\s+/g, ' ').trim();
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
  limits: RequestLimits,
  stage: 'candidates' | 'video',
): SamplingSettings {
  const defaults = manifest.defaults;
  const ownDefaults = stageDefaults(defaults, stage);
  const scheduler = request.scheduler ?? ownDefaults.scheduler;
  const unknownScheduler = schedulerProblem(scheduler, limits);
  if (unknownScheduler) throw new EngineInputError('scheduler', unknownScheduler);
  // A named scheduler runs plain unless the request gives its own eta.
  const eta = checkNumber(
    'eta',
    request.eta,
    request.scheduler === undefined ? ownDefaults.eta : 0,
    limits.eta,
  );
  if (eta > 0 && scheduler !== 'ddim') {
    throw new EngineInputError(
      'eta',
      `eta applies only to the ddim scheduler; the ${stage === 'video' ? 'video runs' : 'first frames run'} ${scheduler} (use eta 0 or scheduler ddim)`,
    );
  }
  return {
    prompt: checkPrompt(request.prompt, limits),
    negativePrompt: checkPrompt(request.negativePrompt ?? '', limits, 'negativePrompt'),
    scheduler: scheduler as SchedulerName,
    eta,
    steps: checkNumber('steps', request.steps, ownDefaults.steps, limits.steps, true),
    guidance: checkNumber('guidance', request.guidance, ownDefaults.guidance, limits.guidance),
    guidanceRescale: checkNumber(
      'guidanceRescale',
      request.guidanceRescale,
      defaults.guidance_rescale,
      limits.guidanceRescale,
    ),
  };
}

export function checkCandidatesRequest(
  request: CandidatesRequest,
  manifest: Manifest,
  limits: RequestLimits,
): CandidatesJob {
  const settings = checkSettings(request, manifest, limits, 'candidates');
  let seeds: number[];
  if (request.seeds !== undefined) {
    if (!Array.isArray(request.seeds) || request.seeds.length !== CANDIDATE_COUNT) {
      throw new EngineInputError(
        'seeds',
        `seeds must list exactly ${CANDIDATE_COUNT} seeds, one per candidate`,
      );
    }
    seeds = request.seeds.map((seed, i) => checkSeed(`seeds[${i}]`, seed, limits));
  } else {
    const first =
      request.seed === undefined ? randomSeed() : checkSeed('seed', request.seed, limits);
    seeds = candidateSeeds(first);
  }
  if (request.init === undefined) return { ...settings, seeds };
  const strength = checkNumber(
    'strength',
    request.init.strength,
    DEFAULT_VARIATION_STRENGTH,
    limits.strength,
  );
  return { ...settings, seeds, strength };
}

/** The video's settings, shared by animate and extend: sampler, seed, image guidance. */
function checkVideoSettings(
  request: AnimateRequest | ExtendRequest,
  manifest: Manifest,
  limits: RequestLimits,
): SamplingSettings & { seed: number; imageGuidance: number } {
  const settings = checkSettings(request, manifest, limits, 'video');
  return {
    ...settings,
    seed: request.seed === undefined ? randomSeed() : checkSeed('seed', request.seed, limits),
    imageGuidance: checkNumber(
      'imageGuidance',
      request.imageGuidance,
      manifest.defaults.image_guidance_scale,
      limits.imageGuidance,
    ),
  };
}

const MASK_USES: Record<VideoMask, string> = {
  first: 'image-to-video',
  interpolate: 'interpolation',
  continue: 'continuation',
};

/** Why a video model trained with `masks` cannot serve `mask`'s use, or undefined when it can. */
export function videoMaskProblem(
  modelName: string,
  masks: readonly VideoMask[],
  mask: VideoMask,
): string | undefined {
  if (masks.includes(mask)) return undefined;
  return (
    `${MASK_USES[mask]} needs a video model trained for it ("${mask}" in video_masks); ` +
    `model ${modelName} takes only: ${masks.map((m) => `${m} (${MASK_USES[m]})`).join(', ')}`
  );
}

/** EngineInputError unless the model's video U-Net was trained with `mask`. */
function requireMask(manifest: Manifest, mask: VideoMask, field: string): void {
  const problem = videoMaskProblem(manifest.name, videoMasksOf(manifest), mask);
  if (problem) throw new EngineInputError(field, problem);
}

export function checkAnimateSettings(
  request: AnimateRequest,
  manifest: Manifest,
  limits: RequestLimits,
): AnimateJob {
  if (request.interpolate !== undefined && typeof request.interpolate !== 'boolean') {
    throw new EngineInputError('interpolate', 'interpolate must be true or false');
  }
  const interpolate = request.interpolate ?? manifest.defaults.interpolate ?? false;
  if (interpolate) requireMask(manifest, 'interpolate', 'interpolate');
  return { ...checkVideoSettings(request, manifest, limits), interpolate };
}

/** The longest video `extend` continues, in frames (the output adds F - k). */
export const MAX_EXTEND_INPUT_FRAMES = 256;

/** The default k of a continuation: a quarter of the model's window (F - k new frames); 1 on a
 * model without "continue" (it follows the last frame alone, through the "first" mask). */
export const defaultContextFrames = (manifest: Manifest) =>
  videoMasksOf(manifest).includes('continue')
    ? Math.max(1, Math.floor(manifest.video.num_frames / 4))
    : 1;

/** Checks an extend request's settings (the video's frames are checked by checkExtendFrames).
 * Without "continue" in video_masks only k = 1 is taken: "frame 0 given" is the "first" mask. */
export function checkExtendSettings(
  request: ExtendRequest,
  manifest: Manifest,
  limits: RequestLimits,
): ExtendJob {
  const masks = videoMasksOf(manifest);
  if (!masks.includes('continue')) {
    requireMask(manifest, 'first', 'video');
    if (request.contextFrames !== undefined && request.contextFrames !== 1) {
      const problem = videoMaskProblem(manifest.name, masks, 'continue');
      throw new EngineInputError(
        'contextFrames',
        `${problem}; without it a video is continued from its last frame alone (contextFrames 1)`,
      );
    }
  }
  const maxContext = masks.includes('continue') ? Math.floor(manifest.video.num_frames / 2) : 1;
  const contextFrames = checkNumber(
    'contextFrames',
    request.contextFrames,
    defaultContextFrames(manifest),
    { min: 1, max: maxContext },
    true,
  );
  return { ...checkVideoSettings(request, manifest, limits), contextFrames };
}

/** The frames to continue: at the model's size, at least k and at most MAX_EXTEND_INPUT_FRAMES. */
export function checkExtendFrames(video: VideoFrames, manifest: Manifest, job: ExtendJob): void {
  const { height, width } = manifest.image;
  const { frames, pixels } = video;
  if (!Number.isInteger(frames) || frames < job.contextFrames || frames > MAX_EXTEND_INPUT_FRAMES) {
    throw new EngineInputError(
      'video',
      `the video has ${frames} frames; extending takes ${job.contextFrames} to ` +
        `${MAX_EXTEND_INPUT_FRAMES} (at least contextFrames)`,
    );
  }
  if (!(pixels instanceof Uint8Array) || pixels.length !== frames * height * width * 3) {
    throw new EngineInputError(
      'video',
      `video frames must be ${frames} x ${width}x${height} RGB pixels (${frames * height * width * 3} bytes)`,
    );
  }
}
