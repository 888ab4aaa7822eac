// What a worker does with one job, on its main thread: validate the payload, skip the engine
// when a result was already recorded (redelivery after a crash), run the engine,
// store the artifacts, record the result once, settle the quota. Bad input fails at once; other
// errors are retried by BullMQ, and after the last attempt the user gets a readable reason and
// the quota reservation is refunded.
import { type Job, UnrecoverableError, WaitingError } from 'bullmq';
import type { ArtifactStore } from '../artifacts/index.js';
import type { Logger } from '../log.js';
import type { GenerationEngine, JobProgress } from './engine-port.js';
import { isPermanent, userReason } from './failure.js';
import { GENERATION_ID_PATTERN, type JobKind } from '../core/contract.js';
import type { JobRef, JobStore } from './job-store.js';
import {
  type AnimationPayload,
  type CandidatesPayload,
  type JobResult,
  parsePayload,
  type PayloadOf,
} from './payloads.js';

export interface ProcessorDeps {
  store: JobStore;
  artifacts: ArtifactStore;
  engine: GenerationEngine;
  log: Logger;
  /** True once shutdown decided to hand active jobs back instead of finishing them. */
  handingBack(): boolean;
  /** Minimum time between two progress updates of the same stage. */
  progressIntervalMs: number;
}

export type JobProcessor = (job: Job, token?: string, signal?: AbortSignal) => Promise<JobResult>;

export function createProcessor(kind: JobKind, deps: ProcessorDeps): JobProcessor {
  return async (job, token, signal) => {
    let payload: PayloadOf<typeof kind>;
    try {
      payload = parsePayload(kind, job.data);
    } catch (error) {
      await failInvalidPayload(kind, job, error as Error, deps);
      throw new UnrecoverableError((error as Error).message);
    }
    const ref: JobRef = {
      jobId: job.id!,
      kind,
      generationId: payload.generationId,
      round: 'round' in payload ? payload.round : undefined,
    };
    const quota = payload.quota;

    try {
      const existing = await deps.store.findResult(ref);
      const result = existing ?? (await produce(kind, payload, ref, job, deps, signal));
      if (quota?.commitOnSuccess) await deps.store.commitQuota(quota.key);
      return result;
    } catch (error) {
      if (signal?.aborted && deps.handingBack() && token) {
        // Shutdown: put the job back at the front of the line without spending an attempt.
        await job.moveToWait(token);
        deps.log.info({ jobId: job.id }, 'handed the job back on shutdown');
        throw new WaitingError();
      }
      const permanent = isPermanent(error);
      const allowed = job.opts.attempts ?? 1;
      const made = job.attemptsMade + 1;
      if (permanent || made >= allowed) {
        const reason = userReason(kind, error, { made, allowed });
        await deps.store.markFailed(ref, reason);
        if (quota) await deps.store.refundQuota(quota.key);
        // The raw error (paths, OS codes) goes to the log; BullMQ and its listeners get the
        // reason users read.
        deps.log.warn({ jobId: job.id, err: error, made }, 'job failed for good');
        throw new UnrecoverableError(reason);
      }
      deps.log.info({ jobId: job.id, err: error, made, allowed }, 'job attempt failed, will retry');
      throw error;
    }
  };
}

/** Tells the user about a payload that does not validate, when it names its generation. */
async function failInvalidPayload(kind: JobKind, job: Job, error: Error, deps: ProcessorDeps) {
  const data = (job.data ?? {}) as { generationId?: unknown; quota?: { key?: unknown } };
  deps.log.warn({ jobId: job.id, err: error }, 'invalid job payload');
  if (typeof data.generationId !== 'string' || !GENERATION_ID_PATTERN.test(data.generationId)) {
    return;
  }
  const ref: JobRef = { jobId: job.id!, kind, generationId: data.generationId };
  await deps.store.markFailed(ref, userReason(kind, error, { made: 1, allowed: 1 }));
  if (typeof data.quota?.key === 'string') await deps.store.refundQuota(data.quota.key);
}

async function produce(
  kind: JobKind,
  payload: CandidatesPayload | AnimationPayload,
  ref: JobRef,
  job: Job,
  deps: ProcessorDeps,
  signal: AbortSignal | undefined,
): Promise<JobResult> {
  const onProgress = throttledProgress(job, ref, deps);
  onProgress({ stage: 'starting', step: 0, total: 1 });
  const result =
    kind === 'candidates'
      ? await produceCandidates(payload as CandidatesPayload, deps, onProgress, signal)
      : await produceAnimation(payload as AnimationPayload, deps, onProgress, signal);
  const recorded = await deps.store.recordResult(ref, result);
  if (recorded) return result;
  // Another delivery of this job (after a stall) recorded first: its result is the one.
  return (await deps.store.findResult(ref)) ?? result;
}

async function produceCandidates(
  payload: CandidatesPayload,
  deps: ProcessorDeps,
  onProgress: (progress: JobProgress) => void,
  signal: AbortSignal | undefined,
): Promise<JobResult> {
  const { generationId, round, quota: _quota, init, continueFrom, ...request } = payload;
  if (continueFrom) {
    return produceContinuations(payload, continueFrom, deps, onProgress, signal);
  }
  const variations = init && {
    init: { image: await deps.artifacts.get(init.imageKey), strength: init.strength },
  };
  const output = await deps.engine.generateCandidates({
    ...request,
    ...variations,
    onProgress,
    signal,
  });
  const folder = `generations/${generationId}/round-${round}`;
  const candidateKeys = output.candidates.map((_, i) => `${folder}/candidate-${i + 1}.png`);
  const gridKey = `${folder}/grid.png`;
  onProgress({ stage: 'saving', step: 0, total: 1 });
  await Promise.all([
    ...output.candidates.map((png, i) => deps.artifacts.put(candidateKeys[i]!, png)),
    deps.artifacts.put(gridKey, output.grid),
  ]);
  return { kind: 'candidates', candidateKeys, gridKey, seeds: output.seeds };
}

/** Four continuations of the story video: each whole story (MP4 + GIF), its first new frame
 * as the candidate PNG, and the preview GIF as the round's grid. */
async function produceContinuations(
  payload: CandidatesPayload,
  continueFrom: NonNullable<CandidatesPayload['continueFrom']>,
  deps: ProcessorDeps,
  onProgress: (progress: JobProgress) => void,
  signal: AbortSignal | undefined,
): Promise<JobResult> {
  const {
    generationId,
    round,
    quota: _quota,
    init: _init,
    continueFrom: _from,
    ...request
  } = payload;
  const video = await deps.artifacts.get(continueFrom.videoKey);
  const output = await deps.engine.continuations({
    ...request,
    video,
    ...(continueFrom.contextFrames === undefined
      ? {}
      : { contextFrames: continueFrom.contextFrames }),
    onProgress,
    signal,
  });
  const folder = `generations/${generationId}/round-${round}`;
  // The whole-story files are named for what people download: the story (candidate i's).
  const candidateKeys = output.firstFrames.map((_, i) => `${folder}/continuation-${i + 1}.png`);
  const videos = output.videos.map((_, i) => ({
    mp4Key: `${folder}/story-${i + 1}.mp4`,
    gifKey: `${folder}/story-${i + 1}.gif`,
  }));
  const gridKey = `${folder}/preview.gif`;
  onProgress({ stage: 'saving', step: 0, total: 1 });
  await Promise.all([
    ...output.firstFrames.map((png, i) => deps.artifacts.put(candidateKeys[i]!, png)),
    ...output.videos.flatMap((media, i) => [
      deps.artifacts.put(videos[i]!.mp4Key, media.mp4),
      deps.artifacts.put(videos[i]!.gifKey, media.gif),
    ]),
    deps.artifacts.put(gridKey, output.preview),
  ]);
  return { kind: 'candidates', candidateKeys, gridKey, seeds: output.seeds, videos };
}

async function produceAnimation(
  payload: AnimationPayload,
  deps: ProcessorDeps,
  onProgress: (progress: JobProgress) => void,
  signal: AbortSignal | undefined,
): Promise<JobResult> {
  const { generationId, imageKey, quota: _quota, ...rest } = payload;
  const image = await deps.artifacts.get(imageKey);
  const output = await deps.engine.animate({ ...rest, image, onProgress, signal });
  const mp4Key = `generations/${generationId}/video.mp4`;
  const gifKey = `generations/${generationId}/video.gif`;
  onProgress({ stage: 'saving', step: 0, total: 1 });
  await Promise.all([
    deps.artifacts.put(mp4Key, output.mp4),
    deps.artifacts.put(gifKey, output.gif),
  ]);
  return { kind: 'animation', mp4Key, gifKey, seed: output.seed };
}

/**
 * Publishes progress to BullMQ (QueueEvents listeners) and the store, at most once per
 * interval within a stage, but always the first and last step of each stage.
 */
function throttledProgress(job: Job, ref: JobRef, deps: ProcessorDeps) {
  let lastStage = '';
  let lastSent = 0;
  return (progress: JobProgress) => {
    const now = Date.now();
    const edge = progress.stage !== lastStage || progress.step >= progress.total;
    if (!edge && now - lastSent < deps.progressIntervalMs) return;
    lastStage = progress.stage;
    lastSent = now;
    const report = (error: unknown) => deps.log.warn({ err: error, jobId: job.id }, 'progress');
    job.updateProgress({ ...progress }).catch(report);
    deps.store.markProgress(ref, progress).catch(report);
  };
}
