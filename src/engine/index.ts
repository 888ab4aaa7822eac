// The engine's public surface (the queue, bots and CLI import from here only).
export { loadEngine } from './engine.js';
export type {
  AnimationResult,
  Candidate,
  CandidatesResult,
  Engine,
  EngineDescription,
  ExtensionResult,
} from './engine.js';
export { EngineAbortedError, EngineInputError, ModelFormatError } from './errors.js';
export { defaultGraphCacheDir } from './graph-cache.js';
export { encodePng } from './images.js';
export { encodeContinuationPreview } from './preview.js';
export { VIDEO_MASKS, type VideoMask } from './manifest.js';
export { DEFAULT_ENGINE_OPTIONS, type EngineOptions, type ExecutionProvider } from './options.js';
export {
  requestLimitsOf,
  stageDefaults,
  videoMaskProblem,
  type AnimateRequest,
  type CandidatesRequest,
  type ExtendRequest,
  type Progress,
  type VideoFrames,
} from './requests.js';
export { SCHEDULERS, type SchedulerName } from '../core/contract.js';
