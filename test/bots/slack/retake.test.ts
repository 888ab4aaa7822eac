// 🔁 re-take on Slack on the real stack (Prisma on SQLite, BullMQ, the ONNX engine with the tiny
// model): the bot adds :repeat: under the posted video; Bob's :repeat: delivered twice (two
// event ids, as Slack does when it thinks the first was lost) and Carol's ask for take 2, which
// starts at the deadline on Bob's quota and runs one animation job.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StackHarness, waitFor } from '../../wiring/stack-harness.js';
import { assertOneTakeJob, firstTake } from '../../wiring/take-checks.js';
import { USERS } from './slack-harness.js';
import { SlackOnStack } from './slack-on-stack.js';

let h: SlackOnStack;

before(async () => {
  h = await new SlackOnStack(new StackHarness('sqlite', {}, { VOTE_WINDOW_SECONDS: '5' })).start();
});

after(async () => {
  await h?.cleanup();
});

test(
  '🔁 on Slack: :repeat: twice from one user and once from another, one take on the first asker',
  {
    timeout: 120_000,
  },
  async () => {
    const prompt = 'a big red circle moving right';
    const { request, grid } = await h.startVideo(prompt, '--seed 41 --steps 2');
    await h.react(USERS.bob, 'three', grid.ts);
    await h.waitForVotes(prompt, { [USERS.bob]: 3 });
    await h.react(USERS.alice, 'white_check_mark', grid.ts);
    const video = await h.waitForMessage(
      (m) => m.threadTs === request.ts && m.text.startsWith('🎬') && m.fileIds.length > 0,
      'the video',
    );
    await waitFor('the bot :repeat: under the video', () =>
      h.fake.reactions.find((r) => r.ts === video.ts && r.name === 'repeat'),
    );

    await h.react(USERS.bob, 'repeat', video.ts);
    await h.react(USERS.bob, 'repeat', video.ts); // delivered again under a new event id
    await h.react(USERS.carol, 'repeat', video.ts);
    const take = await h.waitForMessage(
      (m) => m.threadTs === request.ts && /\(take 2\) for/.test(m.text) && m.fileIds.length > 0,
      'take 2 in the thread',
    );
    assert.match(
      take.text,
      /for <?@?.*bob.*: seed 44, frame 3 of round 1; .*cost: 1 video of .*bob.*'s quota\. ⏩ to continue it\.$/,
    );
    await waitFor('the bot :fast_forward: and :repeat: under the take', () =>
      ['fast_forward', 'repeat'].every((name) =>
        h.fake.reactions.some((r) => r.ts === take.ts && r.name === name),
      ),
    );
    const status = await h.waitForMessage(
      (m) => /asked for by/.test(m.history.join('\n')),
      'its status',
    );
    assert.match(status.history.join('\n'), /asked for by bob, carol: take 2/);

    const db = h.product.stack.db;
    const first = await firstTake(db, prompt);
    await assertOneTakeJob(db, first.id, 2);
    const entry = await waitFor('take 2 committed', async () => {
      const row = await db.quotaLedgerEntry.findUnique({
        where: { key: `${first.id}-t2` },
        include: { user: true },
      });
      return row?.state === 'committed' ? row : undefined;
    });
    assert.equal(entry.user?.externalId, USERS.bob);
  },
);
