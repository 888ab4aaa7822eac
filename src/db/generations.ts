// Generations and their first-frame rounds: create, add a round of candidates, choose the
// winner, record progress and the outcome, and list history page by page.
import type { Db, Prisma } from './client.js';
import type { GenerationStatus } from './generated/sqlite/enums.js';

export class GenerationStateError extends Error {
  override name = 'GenerationStateError';
}

export interface NewGeneration {
  workspaceId: string;
  requesterId: string;
  prompt: string;
  negativePrompt?: string;
  options: Prisma.InputJsonValue;
  seed: number;
  channelId?: string;
  requestMessageId?: string;
  inputImagePath?: string;
}

export function createGeneration(db: Db, input: NewGeneration) {
  return db.generation.create({ data: { ...input, status: 'queued' } });
}

export interface NewCandidate {
  number: number;
  seed: number;
  imagePath: string;
}

/** Adds the next round (1, 2, ...) with its candidates; earlier open rounds are closed. */
export async function addRound(
  db: Db,
  generationId: string,
  round: { candidates: NewCandidate[]; closesAt?: Date; gridPath?: string; messageId?: string },
) {
  return db.$transaction(async (tx) => {
    const last = await tx.round.findFirst({
      where: { generationId },
      orderBy: { number: 'desc' },
      select: { number: true },
    });
    const now = new Date();
    await tx.round.updateMany({
      where: { generationId, status: 'open' },
      data: { status: 'closed', closedAt: now },
    });
    const created = await tx.round.create({
      data: {
        generationId,
        number: (last?.number ?? 0) + 1,
        closesAt: round.closesAt ?? null,
        gridPath: round.gridPath ?? null,
        messageId: round.messageId ?? null,
        candidates: { create: round.candidates },
      },
      include: { candidates: { orderBy: { number: 'asc' } } },
    });
    await tx.generation.update({ where: { id: generationId }, data: { status: 'voting' } });
    return created;
  });
}

export function setRoundMessage(db: Db, roundId: string, messageId: string) {
  return db.round.update({ where: { id: roundId }, data: { messageId } });
}

/** Rounds still open (for restoring their timers after a restart). */
export function openRounds(db: Db) {
  return db.round.findMany({
    where: { status: 'open' },
    include: { generation: true, candidates: { orderBy: { number: 'asc' } } },
    orderBy: { createdAt: 'asc' },
  });
}

/** Closes the candidate's round and records it as the frame to animate. */
export async function chooseWinner(db: Db, candidateId: string) {
  return db.$transaction(async (tx) => {
    const candidate = await tx.candidate.findUniqueOrThrow({
      where: { id: candidateId },
      include: { round: true },
    });
    await tx.round.update({
      where: { id: candidate.roundId },
      data: { status: 'closed', closedAt: candidate.round.closedAt ?? new Date() },
    });
    return tx.generation.update({
      where: { id: candidate.round.generationId },
      data: { chosenCandidateId: candidate.id, status: 'animating' },
    });
  });
}

export interface Progress {
  status?: GenerationStatus;
  stage: string;
  step: number;
  total: number;
}

export function markProgress(db: Db, generationId: string, progress: Progress) {
  return db.generation.update({
    where: { id: generationId },
    data: {
      ...(progress.status ? { status: progress.status } : {}),
      progressStage: progress.stage,
      progressStep: progress.step,
      progressTotal: progress.total,
    },
  });
}

const FINISHED: GenerationStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Records the video once: a second call (a redelivered job) changes nothing. */
export async function markSucceeded(
  db: Db,
  generationId: string,
  result: { videoPath: string; gifPath?: string; timings?: Prisma.InputJsonValue },
): Promise<boolean> {
  const { count } = await db.generation.updateMany({
    where: { id: generationId, status: { notIn: FINISHED } },
    data: {
      status: 'succeeded',
      videoPath: result.videoPath,
      gifPath: result.gifPath ?? null,
      ...(result.timings === undefined ? {} : { timings: result.timings }),
      error: null,
      finishedAt: new Date(),
    },
  });
  return count === 1;
}

/** `reason` is shown to users: say what went wrong in their terms. */
export async function markFailed(db: Db, generationId: string, reason: string): Promise<boolean> {
  const { count } = await db.generation.updateMany({
    where: { id: generationId, status: { notIn: FINISHED } },
    data: { status: 'failed', error: reason, finishedAt: new Date() },
  });
  return count === 1;
}

export interface HistoryPage<T> {
  items: T[];
  /** Pass as `cursor` for the next page; undefined on the last page. */
  nextCursor?: string;
}

export const MAX_PAGE_SIZE = 50;

/** Newest first; `userId` narrows a workspace's history to one member's requests. */
export async function history(
  db: Db,
  query: { workspaceId: string; userId?: string; pageSize?: number; cursor?: string },
) {
  const pageSize = Math.min(Math.max(1, query.pageSize ?? 10), MAX_PAGE_SIZE);
  const rows = await db.generation.findMany({
    where: {
      workspaceId: query.workspaceId,
      ...(query.userId ? { requesterId: query.userId } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: pageSize + 1,
    ...(query.cursor ? { cursor: { id: query.cursor }, skip: 1 } : {}),
    include: { requester: { select: { externalId: true, displayName: true } } },
  });
  const items = rows.slice(0, pageSize);
  return {
    items,
    nextCursor: rows.length > pageSize ? items.at(-1)!.id : undefined,
  } satisfies HistoryPage<(typeof rows)[number]>;
}
