// A restart during a story on Slack on the real stack (Prisma on SQLite, BullMQ, the ONNX engine
// with the tiny model): the bot stops while the story's round is open (one vote cast) and starts
// again on the same database, queue prefix and files; the fake Slack keeps its messages. A vote
// after the restart counts beside the one before, the requester's ✅ closes the round, and the
// story is posted once, its continuations drawn once, the clip charged once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StackHarness } from '../../wiring/stack-harness.js';
import { USERS } from './slack-harness.js';
import { SlackOnStack } from './slack-on-stack.js';
import { FIRST, NEXT, StorySteps } from './story-steps.js';

let h: SlackOnStack;
let steps: StorySteps;

before(async () => {
  h = await new SlackOnStack(new StackHarness('sqlite')).start();
  steps = new StorySteps(h);
});

after(async () => {
  await h?.cleanup();
});

test(
  "a story's open round on Slack survives a restart: votes on both sides count, posted once",
  { timeout: 240_000 },
  async () => {
    await steps.firstVideo();
    const { request, preview } = await steps.extend('bob', '--seed 7 --steps 2');
    await h.react(USERS.alice, 'four', preview.ts);
    await h.waitForVotes(NEXT, { [USERS.alice]: 4 });

    await h.restart();
    await h.react(USERS.carol, 'four', preview.ts);
    await h.waitForVotes(NEXT, { [USERS.alice]: 4, [USERS.carol]: 4 });
    await h.react(USERS.bob, 'white_check_mark', preview.ts);

    const story = await steps.storyVideo(request);
    assert.deepEqual(story.text.split('\n').slice(0, 3), [
      `🎬 Story "${FIRST}", 2 clips, for bob:`,
      `1. "${FIRST}": seed 43, chosen by bob`,
      `2. "${NEXT}": seed 10, chosen by alice, carol`,
    ]);
    const db = h.product.stack.db;
    const clip2 = await db.generation.findFirstOrThrow({ where: { prompt: NEXT } });
    await steps.committed(clip2.id);
    await h.product.stack.bot.runner.idle();
    assert.equal(
      h.fake.messages.filter((m) => m.text.startsWith('🎬 Story')).length,
      1,
      'the story is posted once',
    );
    assert.equal(
      h.fake.messages.filter((m) => m.threadTs === request.ts && m.fileIds.length > 0).length,
      2,
      'one preview and one story upload in the thread',
    );
    assert.deepEqual(await steps.ledgerOf(USERS.bob), [`${clip2.id}:committed`]);
    const jobs = await db.jobRecord.findMany({ where: { generationId: clip2.id } });
    assert.deepEqual(
      jobs.map((job) => job.jobId),
      [`candidates-${clip2.id}-r1`],
      'the continuations are drawn once',
    );
  },
);
