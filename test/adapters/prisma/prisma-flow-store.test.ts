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
        for (const state of states) await store.saveGeneration(state);

        const all = await store.history({ ...ws, page: 1, pageSize: 2 });
        assert.deepEqual([all.total, all.items.map((item) => item.prompt)], [3, ['p2', 'p1']]);
        const annOnly = await store.history({ ...ws, userId: 'ann', page: 2, pageSize: 1 });
        assert.deepEqual([annOnly.total, annOnly.items.map((item) => item.prompt)], [2, ['p0']]);
        const nobody = await store.history({ ...ws, userId: 'cat', page: 1, pageSize: 5 });
        assert.deepEqual(nobody, { items: [], page: 1, total: 0 });

        assert.deepEqual(await store.loadActiveGenerations(), [states[2]]);
        await store.saveGeneration({ ...states[2]!, phase: 'done', updatedAt: NOW + 10 });
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
  });
}
