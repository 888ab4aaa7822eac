// The two kinds of work, their default queue names, and job ids derived from the generation,
// so a duplicated command or a redelivered message maps to the same BullMQ job (BullMQ ignores
// an add whose job id already exists) and never runs twice.
export type JobKind = 'candidates' | 'animation';

export const JOB_KINDS: readonly JobKind[] = ['candidates', 'animation'];

/** Queue name per kind; several installations can share a Redis through the key prefix. */
export type QueueNames = Record<JobKind, string>;

export const DEFAULT_QUEUE_NAMES: QueueNames = { candidates: 'candidates', animation: 'animation' };

/** Generation ids are database ids (cuid/uuid): BullMQ forbids ':' in custom ids. */
export const GENERATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function candidatesJobId(generationId: string, round: number): string {
  return `candidates-${generationId}-r${round}`;
}

export function animationJobId(generationId: string): string {
  return `animation-${generationId}`;
}
