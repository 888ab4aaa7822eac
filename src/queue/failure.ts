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
  if (isPermanent(error)) return `${WHAT[kind]} failed: ${(error as Error).message}`;
  const tries = attempts.made === 1 ? 'once' : `${attempts.made} times`;
  return (
    `${WHAT[kind]} failed (tried ${tries}): ${serverTrouble(error)}. ` +
    'It was not counted against your quota; please try again later.'
  );
}

/** System error codes of a disk that cannot take our files (full, read-only, not ours). */
const STORAGE_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'EISDIR',
  'ENOENT',
  'EEXIST',
  'EIO',
  'EMFILE',
  'ENFILE',
]);

const OUT_OF_MEMORY =
  /out of memory|ERR_WORKER_OUT_OF_MEMORY|allocation failed|bad_alloc|failed to allocate/i;

/**
 * What went wrong on our side, in the project's own words: never a path, an OS code or a
 * library's message (those go to the log, where the processor writes the raw error).
 */
export function serverTrouble(error: unknown): string {
  const { name, message = String(error) } = (error ?? {}) as Partial<Error>;
  // An error from the engine thread arrives without its `code`; Node puts it first in the text.
  const given = (error as { code?: unknown } | undefined)?.code;
  const code = typeof given === 'string' ? given : /^(E[A-Z]+):/.exec(message)?.[1];
  if (code && STORAGE_CODES.has(code)) {
    return "the server's disk is full or read-only; an operator has been told";
  }
  if (OUT_OF_MEMORY.test(`${code ?? ''} ${message}`)) return 'the server ran out of memory';
  if (/\bffmpeg\b/i.test(message)) {
    return 'the video encoder (ffmpeg) failed on the server; an operator has been told';
  }
  if (name === 'EngineThreadError') return 'the generation engine crashed on the server';
  if (code) return 'the server hit a system error; an operator has been told';
  return 'something went wrong on the server; an operator has been told';
}

/** BullMQ's reason when the stalled checker gives up on a job (workers kept dying on it). */
export const STALLED_LIMIT_REASON = 'job stalled more than allowable limit';

export function stalledReason(kind: JobKind): string {
  return (
    `${WHAT[kind]} failed: the worker running it stopped responding too many times. ` +
    'It was not counted against your quota; please try again later.'
  );
}
