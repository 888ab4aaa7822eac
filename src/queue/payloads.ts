// Job payloads and results, validated with zod on both sides of the queue: the producer
// refuses a bad payload before it reaches Redis, and the worker re-checks what it reads
// (another version of the code may have written it) and fails such a job without retrying.
// The rules are the request contract's (src/core/contract.ts), in the contract's own words.
import { z } from 'zod';
import {
  CANDIDATE_COUNT,
  fpsProblem,
  GENERATION_ID_PATTERN,
  negativePromptProblems,
  promptProblems,
  rangeProblem,
  REQUEST_LIMITS,
  schedulerProblem,
  type JobKind,
  type Range,
  type RequestLimits,
} from '../core/contract.js';

/** `schema`, plus the contract's sentences for what is wrong with a value of the right type. */
function checked<T>(schema: z.ZodType<T>, problems: (value: T) => (string | undefined)[]) {
  return schema.superRefine((value, context) => {
    for (const message of problems(value)) {
      if (message) context.addIssue({ code: 'custom', message });
    }
  });
}

const number = (name: string, range: Range, whole = false) =>
  checked(z.number(), (value) => [rangeProblem(name, value, range, whole)]);

/** The quota reservation this job settles: refunded when the job finally fails. */
const quota = z.strictObject({
  /** Ledger key the reservation was made under (idempotency key for commit/refund). */
  key: z.string().min(1).max(200),
  /** Commit the reservation when this job succeeds (the animation, by default). */
  commitOnSuccess: z.boolean(),
});

/** Both payload schemas under `limits` (a model's, or any model's by default). */
export function payloadSchemasFor(limits: RequestLimits = REQUEST_LIMITS) {
  const common = {
    generationId: z
      .string()
      .regex(GENERATION_ID_PATTERN, 'letters, digits, _ and - only, at most 64 characters'),
    prompt: checked(z.string(), (prompt) => promptProblems(prompt, limits)),
    negativePrompt: checked(z.string(), (text) => negativePromptProblems(text, limits)).optional(),
    steps: number('steps', limits.steps, true).optional(),
    guidance: number('guidance', limits.guidance).optional(),
    scheduler: checked(z.string(), (name) => [schedulerProblem(name, limits)]).optional(),
    quota: quota.optional(),
  };
  const seed = number('seed', limits.seed, true);
  return {
    candidates: z
      .strictObject({
        ...common,
        round: z.number().int().min(1).max(1000),
        /** One seed per candidate, as the bot showed and stored them. */
        seeds: z.array(seed).length(CANDIDATE_COUNT),
        /** Variations: the candidate they vary (its artifact key) and how far it is re-noised. */
        init: z
          .strictObject({
            imageKey: z.string().min(1).max(500),
            strength: number('strength', limits.strength).optional(),
          })
          .optional(),
        /** Continuations (issue 29): the story so far (its MP4's artifact key); the candidates
         * are four continuations of it, each as its first new frame, the grid as a GIF preview. */
        continueFrom: z
          .strictObject({
            videoKey: z.string().min(1).max(500),
            contextFrames: z.number().int().positive().optional(), // the engine checks it for its model
          })
          .optional(),
      })
      .refine((payload) => !(payload.init && payload.continueFrom), {
        message:
          'a candidates job takes init (variations) or continueFrom (continuations), not both',
      }),
    animation: z.strictObject({
      ...common,
      /** Artifact-store key of the first frame: the winning candidate or an uploaded image. */
      imageKey: z.string().min(1).max(500),
      seed,
      imageGuidance: number('imageGuidance', limits.imageGuidance).optional(),
      /** Frames per second; left out, the model's own (twice it: interpolated). */
      fps: checked(z.number(), (fps) => [fpsProblem(fps, limits)]).optional(),
    }),
  };
}

export type PayloadSchemas = ReturnType<typeof payloadSchemasFor>;
export const payloadSchemas: PayloadSchemas = payloadSchemasFor();

export type CandidatesPayload = z.infer<PayloadSchemas['candidates']>;
export type AnimationPayload = z.infer<PayloadSchemas['animation']>;
export type PayloadOf<K extends JobKind> = K extends 'candidates'
  ? CandidatesPayload
  : AnimationPayload;

export interface CandidatesResult {
  kind: 'candidates';
  /** Artifact keys of the four candidate PNGs, in the order shown (1..4). */
  candidateKeys: string[];
  /** The grid PNG, or for continuations the preview GIF of their new frames. */
  gridKey: string;
  seeds: number[];
  /** Continuations: each whole story (the MP4 continued, then its new frames), in order 1..4. */
  videos?: { mp4Key: string; gifKey: string }[];
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

export function parsePayload<K extends JobKind>(
  kind: K,
  data: unknown,
  schemas: PayloadSchemas = payloadSchemas,
): PayloadOf<K> {
  const parsed = schemas[kind].safeParse(data);
  if (!parsed.success) {
    throw new InvalidPayloadError(`invalid ${kind} job: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data as PayloadOf<K>;
}
