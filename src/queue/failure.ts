// Which errors are worth retrying, and the reason a user reads when a job finally fails.
import { ENGINE_INPUT_ERROR } from './engine-port.js';
import type { JobKind } from '../core/contract.js';

/** Bad input never gets better by retrying: invalid payloads and the engine's input errors. */
export function isPermanent(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return (
    name === ENGINE_INPUT_ERROR ||
    name === 'InvalidPayloadError' ||
    name === 'InvalidArtifactKeyError' ||
    name === 'ArtifactNotFoundError'
  );
}

const WHAT: Record<JobKind, string> = {
  candidates: 'Making the first-frame candidates',
  animation: 'Animating the chosen frame',
};

export function userReason(
  kind: JobKind,
  error: unknown,
  attempts: { made: number; allowed: number },
): string {
  const message = error instanceof Error ? error.message : String(error);
  if (isPermanent(error)) return `${WHAT[kind]} failed: ${message}`;
  const tries = attempts.made === 1 ? 'once' : `${attempts.made} times`;
  return (
    `${WHAT[kind]} failed (tried ${tries}): ${message}. ` +
    'It was not counted against your quota; please try again later.'
  );
}

/** BullMQ's reason when the stalled checker gives up on a job (workers kept dying on it). */
export const STALLED_LIMIT_REASON = 'job stalled more than allowable limit';

export function stalledReason(kind: JobKind): string {
  return (
    `${WHAT[kind]} failed: the worker running it stopped responding too many times. ` +
    'It was not counted against your quota; please try again later.'
  );
}
