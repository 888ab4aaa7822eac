// Job payloads and results, validated with zod on both sides of the queue: the producer
// refuses a bad payload before it reaches Redis, and the worker re-checks what it reads
// (another version of the code may have written it) and fails such a job without retrying.
import { z } from 'zod';
import { GENERATION_ID_PATTERN, type JobKind } from './job-ids.js';

const generationId = z
  .string()
  .regex(GENERATION_ID_PATTERN, 'letters, digits, _ and - only, at most 64 characters');
const seed = z.number().int().min(0).max(0xffffffff);

/** The quota reservation this job settles: refunded when the job finally fails. */
const quota = z.strictObject({
  /** Ledger key the reservation was made under (idempotency key for commit/refund). */
  key: z.string().min(1).max(200),
  /** Commit the reservation when this job succeeds (the animation, by default). */
  commitOnSuccess: z.boolean(),
});

/** Sampling options the engine understands; the engine itself checks their ranges. */
const samplingOptions = {
  negativePrompt: z.string().max(500).optional(),
  steps: z.number().int().min(1).max(1000).optional(),
  guidanceScale: z.number().min(0).max(100).optional(),
  scheduler: z.string().min(1).max(40).optional(),
};

export const candidatesPayloadSchema = z.strictObject({
  generationId,
  round: z.number().int().min(1).max(1000),
  prompt: z.string().trim().min(1).max(500),
  /** Base seed; the engine derives one seed per candidate. Absent = random. */
  seed: seed.optional(),
  ...samplingOptions,
  quota: quota.optional(),
});

export const animationPayloadSchema = z.strictObject({
  generationId,
  prompt: z.string().trim().min(1).max(500),
  /** Artifact-store key of the first frame: the winning candidate or an uploaded image. */
  imageKey: z.string().min(1).max(500),
  seed: seed.optional(),
  ...samplingOptions,
  imageGuidanceScale: z.number().min(0).max(100).optional(),
  quota: quota.optional(),
});

export type CandidatesPayload = z.infer<typeof candidatesPayloadSchema>;
export type AnimationPayload = z.infer<typeof animationPayloadSchema>;
export type PayloadOf<K extends JobKind> = K extends 'candidates'
  ? CandidatesPayload
  : AnimationPayload;

export const payloadSchemas = {
  candidates: candidatesPayloadSchema,
  animation: animationPayloadSchema,
} as const;

export interface CandidatesResult {
  kind: 'candidates';
  /** Artifact keys of the four candidate PNGs, in the order shown (1..4). */
  candidateKeys: string[];
  gridKey: string;
  seeds: number[];
}

export interface AnimationResult {
  kind: 'animation';
  mp4Key: string;
  gifKey: string;
  seed?: number;
}

export type JobResult = CandidatesResult | AnimationResult;
export type ResultOf<K extends JobKind> = K extends 'candidates'
  ? CandidatesResult
  : AnimationResult;

/** A payload that failed validation; the message names each bad field and what is allowed. */
export class InvalidPayloadError extends Error {
  override name = 'InvalidPayloadError';
}

export function parsePayload<K extends JobKind>(kind: K, data: unknown): PayloadOf<K> {
  const parsed = payloadSchemas[kind].safeParse(data);
  if (!parsed.success) {
    throw new InvalidPayloadError(`invalid ${kind} job: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data as PayloadOf<K>;
}
