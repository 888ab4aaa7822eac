// The FlowStore port on Prisma: each generation's whole flow state is kept as JSON
// (Generation.flowState), which is what a restart resumes from; the columns, rounds,
// candidates and votes are mirrored from it so the data can be queried (history, audits).
// Saves are compare-and-set on Generation.version: one conditional
// `UPDATE "Generation" SET ..., version = version + 1 WHERE id = $1 AND version = $2`, first in
// the save's transaction. On PostgreSQL a second writer's UPDATE waits for the first one's row
// lock, then finds the version moved and updates nothing; SQLite runs one writer at a time.
// Either way, of two saves from the same version exactly one wins.
import { type Db, type GenerationStatus, Platform, type Prisma } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { chosenSampling } from '../../core/flow/jobs.js';
import type { GenerationState, Phase, RoundState } from '../../core/flow/types.js';
import type {
  FlowStore,
  HistoryPage,
  HistoryQuery,
  VersionedState,
} from '../../service/ports.js';
import type { PrismaSubjects } from './prisma-subjects.js';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

const STATUS_OF: Record<Phase, GenerationStatus> = {
  queued: 'queued',
  generating: 'generating_candidates',
  voting: 'voting',
  'awaiting-quota': 'voting',
  asking: 'voting',
  animating: 'animating',
  done: 'succeeded',
  failed: 'failed',
};
const FINISHED: GenerationStatus[] = ['succeeded', 'failed', 'cancelled'];
const CHOICE_REGENERATE = 0;
/** 🔀 variations of the leading frame (Vote.choice: 1..4 the candidates, 0 🔄). */
const CHOICE_VARY = 5;
/**
 * A save is one interactive transaction of several statements; on a busy machine (or behind
 * another process's save of the same row, whose lock it waits for) Prisma's 5 s default is
 * too short, and a save given up on loses its event. As the quota's transactions.
 */
const SAVE_TRANSACTION = { maxWait: 30_000, timeout: 30_000 };

export class PrismaFlowStore implements FlowStore {
  constructor(
    private readonly db: Db,
    private readonly subjects: PrismaSubjects,
  ) {}

  async saveGeneration(state: GenerationState, version: number | null): Promise<boolean> {
    const { platform, workspaceId: workspace } = state;
    const workspaceId = await this.subjects.workspaceId(platform, workspace);
    const requesterId = await this.subjects.userId(
      platform,
      workspace,
      state.requester.id,
      state.requester.name,
    );
    const voters = new Map<string, string>();
    for (const voter of new Set(state.rounds.flatMap((round) => Object.keys(round.votes)))) {
      voters.set(voter, await this.subjects.userId(platform, workspace, voter));
    }
    const { settings } = state;
    const status = STATUS_OF[state.phase];
    const columns = {
      prompt: settings.prompt,
      negativePrompt: settings.negativePrompt ?? null,
      options: chosenSampling(settings),
      seed: settings.seed,
      status,
      channelId: state.channelId,
      requestMessageId: state.requestMessageId ?? null,
      replyMessageId: state.messages.status ?? null,
      resultMessageId: state.messages.result ?? null,
      inputImagePath: settings.imagePath ?? null,
      videoPath: state.result?.mp4 ?? null,
      gifPath: state.result?.gif ?? null,
      error: state.error ?? null,
      flowState: state as unknown as Prisma.InputJsonValue,
      finishedAt: FINISHED.includes(status) ? new Date(state.updatedAt) : null,
    };
    try {
      return await this.db.$transaction(async (tx) => {
        if (version === null) {
          const created = { id: state.id, workspaceId, requesterId, ...columns };
          await tx.generation.create({ data: { ...created, createdAt: new Date(state.createdAt) } });
        } else {
          const { count } = await tx.generation.updateMany({
            where: { id: state.id, version },
            data: { ...columns, version: { increment: 1 } },
          });
          if (count === 0) return false; // another save won: nothing else is written
        }
        for (const round of state.rounds) await saveRound(tx, state, round, voters);
        return true;
      }, SAVE_TRANSACTION);
    } catch (error) {
      if (version === null && isUniqueViolation(error)) return false; // inserted by another
      throw error;
    }
  }

  async loadGeneration(id: string): Promise<VersionedState | undefined> {
    const row = await this.db.generation.findUnique({
      where: { id },
      select: { flowState: true, version: true },
    });
    const state = row?.flowState as unknown as GenerationState | null | undefined;
    return row && state ? { state, version: row.version } : undefined;
  }

  async generationOfMessage(platform: string, messageId: string): Promise<string | undefined> {
    if (!(Object.values(Platform) as string[]).includes(platform)) return undefined;
    const inWorkspace = { workspace: { platform: platform as Platform } };
    const round = await this.db.round.findFirst({
      where: { messageId, generation: inWorkspace },
      select: { generationId: true },
    });
    if (round) return round.generationId;
    // A posted video (its 🔁 asks for a re-take).
    const video = await this.db.generation.findFirst({
      where: { resultMessageId: messageId, ...inWorkspace },
      select: { id: true },
    });
    return video?.id;
  }

  async loadActiveGenerations(): Promise<GenerationState[]> {
    const rows = await this.db.generation.findMany({
      where: { status: { notIn: FINISHED } },
      orderBy: { createdAt: 'asc' },
      select: { flowState: true },
    });
    return rows
      .map((row) => row.flowState as unknown as GenerationState | null)
      .filter((state): state is GenerationState => state !== null);
  }

  async loadRecentlyFinished(most: number): Promise<GenerationState[]> {
    const rows = await this.db.generation.findMany({
      where: { status: { in: FINISHED } },
      orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
      take: most,
      select: { flowState: true },
    });
    return rows
      .reverse()
      .map((row) => row.flowState as unknown as GenerationState | null)
      .filter((state): state is GenerationState => state !== null);
  }

  async latestVideo(
    platform: string,
    workspaceId: string,
    channelId: string,
  ): Promise<GenerationState | undefined> {
    if (!(Object.values(Platform) as string[]).includes(platform)) return undefined;
    const row = await this.db.generation.findFirst({
      where: {
        workspace: { platform: platform as Platform, externalId: workspaceId },
        channelId,
        status: 'succeeded',
        videoPath: { not: null },
      },
      orderBy: [{ finishedAt: 'desc' }, { createdAt: 'desc' }, { id: 'desc' }],
      select: { flowState: true },
    });
    return (row?.flowState as unknown as GenerationState | null) ?? undefined;
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    const empty: HistoryPage = { items: [], page: query.page, total: 0 };
    const workspaceId = await this.subjects.workspaceId(query.platform, query.workspaceId);
    let requesterId: string | undefined;
    if (query.userId) {
      const user = await this.subjects.findUser(query.platform, query.workspaceId, query.userId);
      if (!user) return empty;
      requesterId = user.id;
    }
    const where = { workspaceId, ...(requesterId ? { requesterId } : {}) };
    const [total, rows] = await Promise.all([
      this.db.generation.count({ where }),
      this.db.generation.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        skip: (query.page - 1) * query.pageSize,
        take: query.pageSize,
        include: { requester: { select: { externalId: true, displayName: true } } },
      }),
    ]);
    const items = rows.map((row) => {
      const state = row.flowState as unknown as GenerationState | null;
      return {
        id: row.id,
        prompt: row.prompt,
        seed: row.seed,
        requesterName: row.requester.displayName ?? row.requester.externalId,
        phase: state?.phase ?? (row.status === 'succeeded' ? 'done' : 'failed'),
        createdAt: row.createdAt.getTime(),
        ...(state?.chosen ? { chosenSeed: state.chosen.seed } : {}),
        ...(row.videoPath ? { videoPath: row.videoPath } : {}),
      } as const;
    });
    return { items, page: query.page, total };
  }
}

/**
 * Mirrors one round: its row, its four candidates once drawn, and the current votes. The round's
 * upsert answers with the rows there already, so only what changed is written (a vote is one
 * statement, not one per voter).
 */
async function saveRound(
  tx: Tx,
  state: GenerationState,
  round: RoundState,
  voters: Map<string, string>,
): Promise<void> {
  const columns = {
    status: round.outcome ? ('closed' as const) : ('open' as const),
    messageId: state.messages[`round:${round.number}`] ?? null,
    gridPath: round.grid ?? null,
    closesAt: round.closesAt === undefined ? null : new Date(round.closesAt),
  };
  const row = await tx.round.upsert({
    where: { generationId_number: { generationId: state.id, number: round.number } },
    create: { generationId: state.id, number: round.number, ...columns },
    update: columns,
    include: { candidates: true, votes: true },
  });
  for (const [index, imagePath] of (round.candidates ?? []).entries()) {
    const number = index + 1;
    let candidate = row.candidates.find((saved) => saved.number === number);
    if (candidate?.imagePath !== imagePath) {
      candidate = await tx.candidate.upsert({
        where: { roundId_number: { roundId: row.id, number } },
        create: { roundId: row.id, number, seed: round.seeds[index] ?? 0, imagePath },
        update: { imagePath },
      });
    }
    const chosen = state.chosen;
    if (chosen && chosen.round === round.number && chosen.candidate === number) {
      await tx.generation.update({
        where: { id: state.id },
        data: { chosenCandidateId: candidate.id },
      });
    }
  }
  const current = new Map(
    Object.entries(round.votes).map(([voter, vote]) => [
      voters.get(voter)!,
      {
        choice:
          vote.choice === 'regenerate'
            ? CHOICE_REGENERATE
            : vote.choice === 'vary'
              ? CHOICE_VARY
              : vote.choice,
        castAt: new Date(vote.at),
      },
    ]),
  );
  const gone = row.votes.filter((saved) => !current.has(saved.userId)).map((saved) => saved.id);
  if (gone.length > 0) await tx.vote.deleteMany({ where: { id: { in: gone } } });
  for (const [userId, data] of current) {
    const saved = row.votes.find((vote) => vote.userId === userId);
    if (saved?.choice === data.choice && saved.castAt.getTime() === data.castAt.getTime()) continue;
    await tx.vote.upsert({
      where: { roundId_userId: { roundId: row.id, userId } },
      create: { roundId: row.id, userId, ...data },
      update: data,
    });
  }
}
