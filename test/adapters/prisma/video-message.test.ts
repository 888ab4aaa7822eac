// A posted video leads to its generation through the store (Generation.resultMessageId), so a 🔁
// under it reaches its re-take in any bot process, not only the one that posted it; on both
// databases, on its platform only.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PrismaFlowStore } from '../../../src/adapters/prisma/prisma-flow-store.js';
import { PrismaSubjects } from '../../../src/adapters/prisma/prisma-subjects.js';
import type { GenerationState } from '../../../src/core/flow/types.js';
import { KINDS } from '../../helpers/databases.js';
import { withMigratedDb } from '../../helpers/migrated-db.js';

const NOW = Date.UTC(2026, 11, 5, 12, 0);

function video(id: string, messages: Record<string, string>): GenerationState {
  return {
    id,
    platform: 'local',
    workspaceId: 'w',
    channelId: 'c',
    requester: { id: 'ann', name: 'ann' },
    settings: { prompt: 'a red circle', seed: 4 },
    phase: 'done',
    createdAt: NOW,
    updatedAt: NOW,
    rounds: [],
    quotaKeys: [id],
    messages,
    voteSeq: 0,
    chosen: { round: 0, candidate: 0, seed: 4, imagePath: '/first.png' },
    result: { mp4: `/${id}.mp4` },
  };
}

for (const kind of KINDS) {
  describe(`posted videos in the flow store on ${kind}`, () => {
    test('a video message leads to its generation (a take to its own), on its platform only', () =>
      withMigratedDb(kind, async (db) => {
        const store = new PrismaFlowStore(db, new PrismaSubjects(db));
        await store.saveGeneration(video('g1', { status: 'm-status', result: 'm-video' }), null);
        await store.saveGeneration(video('g1-t2', { status: 'm-s2', result: 'm-video-2' }), null);
        assert.equal(await store.generationOfMessage('local', 'm-video'), 'g1');
        assert.equal(await store.generationOfMessage('local', 'm-video-2'), 'g1-t2');
        assert.equal(await store.generationOfMessage('slack', 'm-video'), undefined);
        assert.equal(await store.generationOfMessage('local', 'm-status'), undefined);
        const row = await db.generation.findUniqueOrThrow({ where: { id: 'g1' } });
        assert.equal(row.resultMessageId, 'm-video');
      }));
  });
}
