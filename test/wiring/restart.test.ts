// Restart recovery on the real stack: the bot stops while a round is open, starts again on
// the same database and Redis prefix, restores the generation from Prisma, closes the round
// at its stored deadline with the votes cast before the restart, and posts the video.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StackHarness, waitFor } from './stack-harness.js';

const harness = new StackHarness('sqlite', {}, { VOTE_WINDOW_SECONDS: '8' });
before(() => harness.start());
after(() => harness.cleanup());

test(
  'an open round survives a restart and closes at its deadline',
  { timeout: 180_000 },
  async () => {
    await harness.say('alice', '/video a big yellow diamond moving left --seed 100 --steps 2');
    const round = await harness.waitForMessage(/Round 1 for/, 'alice', (m) =>
      m.reactions.some((r) => r.emoji === '4️⃣'),
    );
    await harness.react('bob', round.id, '2️⃣');
    const db = harness.stack.db;
    await waitFor('the vote saved', async () => (await db.vote.count()) === 1);

    await harness.restart();
    const restarted = harness.stack.db;
    const result = await harness.waitForMessage(/^🎬/, 'alice', (m) =>
      m.attachments.some((a) => a.kind === 'video'),
    );
    assert.match(result.text, /seed 101, frame 2 of round 1; votes: 1️⃣ 0 · 2️⃣ 1/);
    const generation = await waitFor('the generation succeeded', async () => {
      const row = await restarted.generation.findFirst({
        where: { prompt: { contains: 'diamond' } },
      });
      return row?.status === 'succeeded' ? row : undefined;
    });
    const jobs = await restarted.jobRecord.findMany({ where: { generationId: generation.id } });
    assert.equal(jobs.filter((job) => job.kind === 'candidates').length, 1, 'frames drawn once');
  },
);
