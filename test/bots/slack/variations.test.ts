// 🔀 on Slack on the real stack (Prisma on SQLite, BullMQ, the ONNX engine with the tiny model):
// the bot adds :twisted_rightwards_arrows: under the grid; the requester's, after Bob's vote
// for frame 2, closes round 1 and brings round 2's grid of variations of frame 2 in the thread,
// with the same reactions, from one job of round 2.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import { StackHarness, waitFor } from '../../wiring/stack-harness.js';
import { USERS } from './slack-harness.js';
import { SlackOnStack } from './slack-on-stack.js';

let h: SlackOnStack;

before(async () => {
  h = await new SlackOnStack(new StackHarness('sqlite')).start();
});

after(async () => {
  await h?.cleanup();
});

test(
  '🔀 on Slack: the requester’s :twisted_rightwards_arrows: draws variations of the leading frame',
  { timeout: 120_000 },
  async () => {
    const prompt = 'a big red circle moving right';
    const { request, grid } = await h.startVideo(prompt, '--seed 41 --steps 2');
    assert.ok(
      h.fake.reactions.some((r) => r.ts === grid.ts && r.name === 'twisted_rightwards_arrows'),
      'the bot offers 🔀 under the grid',
    );
    await h.react(USERS.bob, 'two', grid.ts);
    await h.waitForVotes(prompt, { [USERS.bob]: 2 });
    await h.react(USERS.alice, 'twisted_rightwards_arrows', grid.ts);
    const second = await h.waitForMessage(
      (m) =>
        m.threadTs === request.ts &&
        m.fileIds.length > 0 &&
        /Round 2 for .* \(variations of frame 2 of round 1\)/.test(m.text),
      'round 2 of variations in the thread',
    );
    assert.match(second.text, /Seeds: 45, 46, 47, 48\./);
    await waitFor('the bot reactions on round 2', () =>
      h.fake.reactions.filter((r) => r.ts === second.ts).length === ROUND_REACTIONS.length
        ? true
        : undefined,
    );
    const db = h.product.stack.db;
    const generation = await db.generation.findFirstOrThrow({ where: { prompt } });
    const jobs = await db.jobRecord.findMany({ where: { generationId: generation.id } });
    assert.deepEqual(jobs.map((job) => job.jobId).sort(), [
      `candidates-${generation.id}-r1`,
      `candidates-${generation.id}-r2`,
    ]);
  },
);
