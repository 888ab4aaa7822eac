import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REGENERATE } from '../src/core/votes.js';
import type { Db } from '../src/db/index.js';
import {
  addRound,
  chooseWinner,
  createGeneration,
  history,
  markFailed,
  markProgress,
  markSucceeded,
  openRounds,
} from '../src/db/generations.js';
import { castVote, removeVote, tallyRound, VoteError } from '../src/db/votes.js';
import { KINDS } from './helpers/databases.js';
import { seedWorkspace, withMigratedDb } from './helpers/migrated-db.js';

const candidates = [1, 2, 3, 4].map((number) => ({
  number,
  seed: 1000 + number,
  imagePath: `candidates/${number}.png`,
}));

async function generationWithRound(db: Db, ...voters: string[]) {
  const { workspace, users } = await seedWorkspace(db, 'requester', ...voters);
  const generation = await createGeneration(db, {
    workspaceId: workspace.id,
    requesterId: users[0]!.id,
    prompt: 'a red circle moving right',
    options: { steps: 20, guidance: 5, scheduler: 'ddim' },
    seed: 42,
    channelId: 'channel-1',
  });
  const round = await addRound(db, generation.id, { candidates });
  return { workspace, users, generation, round };
}

for (const kind of KINDS) {
  describe(`generations and votes on ${kind}`, () => {
    test('votes: duplicate changes nothing, a new choice replaces, removal only of the current choice', () =>
      withMigratedDb(kind, async (db) => {
        const { users, round } = await generationWithRound(db, 'ann', 'ben');
        const [, ann, ben] = users;
        const vote = (userId: string, choice: number) =>
          castVote(db, { roundId: round.id, userId, choice });

        assert.equal(await vote(ann!.id, 2), 'created');
        assert.equal(await vote(ann!.id, 2), 'unchanged');
        assert.equal(await db.vote.count(), 1);
        assert.equal(await vote(ann!.id, 3), 'replaced');
        assert.equal(await db.vote.count(), 1);
        assert.deepEqual((await tallyRound(db, round.id)).candidates, { 1: 0, 2: 0, 3: 1, 4: 0 });

        assert.equal(
          await removeVote(db, { roundId: round.id, userId: ann!.id, choice: 2 }),
          false,
        );
        assert.equal((await tallyRound(db, round.id)).candidates[3], 1, 'vote for 3 kept');
        assert.equal(await removeVote(db, { roundId: round.id, userId: ann!.id, choice: 3 }), true);
        assert.equal((await tallyRound(db, round.id)).total, 0);

        assert.equal(await vote(ben!.id, REGENERATE), 'created');
        assert.equal((await tallyRound(db, round.id)).regenerate, 1);
        await assert.rejects(vote(ben!.id, 7), VoteError);
      }));

    test('tally breaks ties by who reached the count first; closed rounds take no votes', () =>
      withMigratedDb(kind, async (db) => {
        const { users, round } = await generationWithRound(db, 'a', 'b', 'c', 'd');
        const [, a, b, c, d] = users;
        const vote = (userId: string, choice: number) =>
          castVote(db, { roundId: round.id, userId, choice });
        await vote(a!.id, 4);
        await vote(b!.id, 1);
        await new Promise((resolve) => setTimeout(resolve, 5)); // distinct times
        await vote(c!.id, 4); // 4 reaches two votes first
        await new Promise((resolve) => setTimeout(resolve, 5));
        await vote(d!.id, 1);
        const result = await tallyRound(db, round.id);
        assert.deepEqual(result.candidates, { 1: 2, 2: 0, 3: 0, 4: 2 });
        assert.equal(result.leader, 4);

        const winner = round.candidates.find((cand) => cand.number === result.leader)!;
        const generation = await chooseWinner(db, winner.id);
        assert.equal(generation.chosenCandidateId, winner.id);
        assert.equal(generation.status, 'animating');
        await assert.rejects(vote(a!.id, 2), /round 1 is closed/);
      }));

    test('a regenerate adds round 2 and closes round 1; open rounds are listed for restart', () =>
      withMigratedDb(kind, async (db) => {
        const { generation, round } = await generationWithRound(db);
        assert.equal(round.number, 1);
        assert.deepEqual(
          round.candidates.map((cand) => cand.number),
          [1, 2, 3, 4],
        );
        const second = await addRound(db, generation.id, {
          candidates,
          closesAt: new Date(Date.now() + 60_000),
        });
        assert.equal(second.number, 2);
        const open = await openRounds(db);
        assert.deepEqual(
          open.map((r) => r.id),
          [second.id],
        );
        assert.equal(open[0]!.generation.prompt, 'a red circle moving right');
      }));

    test('progress, then success recorded once; failure keeps a readable reason', () =>
      withMigratedDb(kind, async (db) => {
        const { generation, workspace, users } = await generationWithRound(db);
        await markProgress(db, generation.id, {
          status: 'animating',
          stage: 'animation',
          step: 3,
          total: 20,
        });
        const during = await db.generation.findUniqueOrThrow({ where: { id: generation.id } });
        assert.deepEqual(
          [during.status, during.progressStage, during.progressStep, during.progressTotal],
          ['animating', 'animation', 3, 20],
        );
        assert.equal(
          await markSucceeded(db, generation.id, {
            videoPath: 'v.mp4',
            timings: { animation: 1200 },
          }),
          true,
        );
        assert.equal(await markSucceeded(db, generation.id, { videoPath: 'other.mp4' }), false);
        assert.equal(await markFailed(db, generation.id, 'too late'), false);
        const done = await db.generation.findUniqueOrThrow({ where: { id: generation.id } });
        assert.deepEqual(
          [done.status, done.videoPath, done.timings],
          ['succeeded', 'v.mp4', { animation: 1200 }],
        );
        assert.ok(done.finishedAt);

        const other = await createGeneration(db, {
          workspaceId: workspace.id,
          requesterId: users[0]!.id,
          prompt: 'a blue square',
          options: {},
          seed: 1,
        });
        assert.equal(
          await markFailed(db, other.id, 'The model could not run: out of memory.'),
          true,
        );
        const failed = await db.generation.findUniqueOrThrow({ where: { id: other.id } });
        assert.deepEqual(
          [failed.status, failed.error],
          ['failed', 'The model could not run: out of memory.'],
        );
      }));

    test('history pages newest first, without gaps or repeats, per workspace or per user', () =>
      withMigratedDb(kind, async (db) => {
        const { workspace, users } = await seedWorkspace(db, 'ann', 'ben');
        const created: string[] = [];
        for (let i = 0; i < 25; i++) {
          const generation = await createGeneration(db, {
            workspaceId: workspace.id,
            requesterId: users[i % 2]!.id,
            prompt: `prompt ${i}`,
            options: {},
            seed: i,
          });
          created.push(generation.id);
        }
        const seen: string[] = [];
        const sizes: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await history(db, { workspaceId: workspace.id, pageSize: 10, cursor });
          sizes.push(page.items.length);
          seen.push(...page.items.map((item) => item.id));
          cursor = page.nextCursor;
        } while (cursor);
        assert.deepEqual(sizes, [10, 10, 5]);
        assert.deepEqual(seen, [...created].reverse());

        const annFirst = await history(db, {
          workspaceId: workspace.id,
          userId: users[0]!.id,
          pageSize: 100,
        });
        assert.equal(annFirst.items.length, 13);
        assert.equal(annFirst.nextCursor, undefined);
        assert.ok(annFirst.items.every((item) => item.requester.externalId === 'ann'));
        assert.equal(annFirst.items[0]!.prompt, 'prompt 24');
      }));
  });
}
