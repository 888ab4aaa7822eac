// The flow store on each database: generations saved as the flow leaves them, paged history,
// the open ones a restart resumes and the finished ones it still answers late reactions on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PrismaFlowStore } from '../../../src/adapters/prisma/prisma-flow-store.js';
import { PrismaSubjects } from '../../../src/adapters/prisma/prisma-subjects.js';
import type { GenerationState, Phase } from '../../../src/core/flow/types.js';
import { KINDS } from '../../helpers/databases.js';
import { withMigratedDb } from '../../helpers/migrated-db.js';

const NOW = Date.UTC(2026, 10, 26, 15, 30);
const ws = { platform: 'local', workspaceId: 'w' };

function generation(i: number, requester: string, phase: Phase): GenerationState {
  return {
    id: `g${i}`,
    ...ws,
    channelId: 'c',
    requester: { id: requester, name: requester },
    settings: { prompt: `p${i}`, seed: i, steps: 1 },
    phase,
    createdAt: NOW + i,
    updatedAt: NOW + i,
    rounds: [],
    quotaKeys: [`g${i}`],
    messages: {},
    voteSeq: 0,
  };
}

for (const kind of KINDS) {
  describe(`flow store on ${kind}`, () => {
    test('history pages newest first, for one user or everyone; open generations resume', () =>
      withMigratedDb(kind, async (db) => {
        const store = new PrismaFlowStore(db, new PrismaSubjects(db));
        const states = [
          generation(0, 'ann', 'done'),
          generation(1, 'ben', 'failed'),
          generation(2, 'ann', 'voting'),
        ];
        for (const state of states) assert.equal(await store.saveGeneration(state, null), true);

        const all = await store.history({ ...ws, page: 1, pageSize: 2 });
        assert.deepEqual([all.total, all.items.map((item) => item.prompt)], [3, ['p2', 'p1']]);
        const annOnly = await store.history({ ...ws, userId: 'ann', page: 2, pageSize: 1 });
        assert.deepEqual([annOnly.total, annOnly.items.map((item) => item.prompt)], [2, ['p0']]);
        const nobody = await store.history({ ...ws, userId: 'cat', page: 1, pageSize: 5 });
        assert.deepEqual(nobody, { items: [], page: 1, total: 0 });

        assert.deepEqual(await store.loadActiveGenerations(), [states[2]]);
        await store.saveGeneration({ ...states[2]!, phase: 'done', updatedAt: NOW + 10 }, 0);
        assert.deepEqual(await store.loadActiveGenerations(), []);

        // The finished ones a restart keeps answering late reactions on: the last `most` to
        // finish, the oldest of them first (g2 finished last, at NOW + 10).
        const finished = await store.loadRecentlyFinished(2);
        assert.deepEqual(
          finished.map((state) => [state.id, state.phase]),
          [
            ['g1', 'failed'],
            ['g2', 'done'],
          ],
        );
        assert.deepEqual(finished[0], states[1], 'the whole flow state, as saved');
      }));

    test('saves are compare-and-set on the version: of two saves from one version, one wins', () =>
      withMigratedDb(kind, async (db) => {
        const store = new PrismaFlowStore(db, new PrismaSubjects(db));
        const first = generation(1, 'ann', 'voting');
        assert.equal(await store.saveGeneration(first, null), true);
        assert.equal(await store.saveGeneration(first, null), false, 'the id exists already');
        assert.deepEqual(await store.loadGeneration('g1'), { state: first, version: 0 });
        assert.equal(await store.loadGeneration('g9'), undefined);

        // Two processes reduce from version 0 at once: exactly one save goes through.
        const ann = { ...first, voteSeq: 1, updatedAt: NOW + 1 };
        const ben = { ...first, voteSeq: 2, updatedAt: NOW + 2 };
        const outcomes = await Promise.all([
          store.saveGeneration(ann, 0),
          store.saveGeneration(ben, 0),
        ]);
        assert.deepEqual(
          outcomes.filter(Boolean).length,
          1,
          `one winner: ${JSON.stringify(outcomes)}`,
        );
        const winner = outcomes[0] ? ann : ben;
        assert.deepEqual(await store.loadGeneration('g1'), { state: winner, version: 1 });
        // The loser reloads (version 1) and saves on top of the winner.
        assert.equal(await store.saveGeneration({ ...winner, voteSeq: 3 }, 0), false);
        assert.equal(await store.saveGeneration({ ...winner, voteSeq: 3 }, 1), true);
        assert.equal((await store.loadGeneration('g1'))?.version, 2);
        assert.equal((await store.loadGeneration('g1'))?.state.voteSeq, 3);
      }));

    test('rounds, candidates and votes are mirrored as the state changes', () =>
      withMigratedDb(kind, async (db) => {
        const store = new PrismaFlowStore(db, new PrismaSubjects(db));
        const vote = (choice: 1 | 2 | 3 | 4, seq: number) => ({ choice, seq, at: NOW + seq });
        const round = {
          number: 1,
          seeds: [1, 2, 3, 4],
          jobId: 'candidates-g1-r1',
          candidates: ['/a1.png', '/a2.png', '/a3.png', '/a4.png'],
          grid: '/grid.png',
          votes: { ann: vote(1, 1), ben: vote(2, 2) },
        };
        const state: GenerationState = { ...generation(1, 'ann', 'voting'), rounds: [round] };
        await store.saveGeneration(state, null);
        const rows = async () =>
          (await db.vote.findMany({ include: { user: true } }))
            .map((row) => `${row.user.externalId} ${row.choice} ${row.castAt.getTime() - NOW}`)
            .sort();
        assert.deepEqual(await rows(), ['ann 1 1', 'ben 2 2']);

        // ben changes his vote, ann takes hers back, cat votes; then the round closes on 3.
        const votes = { ben: vote(3, 3), cat: vote(3, 4) };
        await store.saveGeneration({ ...state, rounds: [{ ...round, votes }] }, 0);
        assert.deepEqual(await rows(), ['ben 3 3', 'cat 3 4']);
        const chosen = { round: 1, candidate: 3, seed: 3, imagePath: '/a3.png' };
        await store.saveGeneration(
          { ...state, phase: 'animating', chosen, rounds: [{ ...round, votes }] },
          1,
        );
        const row = await db.generation.findUnique({
          where: { id: 'g1' },
          include: { chosenCandidate: true, rounds: { include: { candidates: true } } },
        });
        assert.equal(row?.chosenCandidate?.imagePath, '/a3.png');
        assert.deepEqual(
          row?.rounds[0]?.candidates.map((c) => c.imagePath).sort(),
          round.candidates,
        );
        assert.deepEqual(await rows(), ['ben 3 3', 'cat 3 4']);
      }));

    test('a grid message leads to its generation, on its platform only', () =>
      withMigratedDb(kind, async (db) => {
        const store = new PrismaFlowStore(db, new PrismaSubjects(db));
        const state: GenerationState = {
          ...generation(1, 'ann', 'voting'),
          rounds: [{ number: 1, seeds: [1, 2, 3, 4], jobId: 'candidates-g1-r1', votes: {} }],
          messages: { status: 'm-status', 'round:1': 'm-grid' },
        };
        await store.saveGeneration(state, null);
        assert.equal(await store.generationOfMessage('local', 'm-grid'), 'g1');
        assert.equal(await store.generationOfMessage('slack', 'm-grid'), undefined);
        assert.equal(await store.generationOfMessage('local', 'm-other'), undefined);
        assert.equal(await store.generationOfMessage('nowhere', 'm-grid'), undefined);
      }));
  });
}
