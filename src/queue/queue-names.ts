// The queue of each kind of job (the kinds, job ids and generation ids are the request
// contract's, src/core/contract.ts). Several installations can share a Redis through the key
// prefix, or through queue names of their own.
import type { JobKind } from '../core/contract.js';

export type QueueNames = Record<JobKind, string>;

export const DEFAULT_QUEUE_NAMES: QueueNames = { candidates: 'candidates', animation: 'animation' };
