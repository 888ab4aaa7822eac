// A restart during a story on Discord on the real stack: the bot stops while the story's round
// is open (one vote cast) and starts again on the same database, queue prefix and files; the
// fake Discord keeps its messages. A vote after the restart counts beside the one before, the
// requester's ✅ closes the round, and the story is posted once, its continuations drawn once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DiscordOnStack } from './discord-on-stack.js';
import { NEXT, StorySteps } from './story-steps.js';

const discord = new DiscordOnStack();
const steps = new StorySteps(discord);

before(async () => {
  await discord.start();
});

after(async () => {
  await discord.cleanup();
});

test(
  "a story's open round survives a restart: votes on both sides count, posted once",
  { timeout: 240_000 },
  async () => {
    const { fake, harness } = discord;
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => fake.world.addUser(name));
    await steps.firstVideo(alice!, [bob!, carol!]);
    steps.extend(alice!);
    const round = await steps.storyRound();
    fake.react(bob!, round, '2️⃣');
    await steps.votesStored(3);

    await harness.restart();
    fake.react(carol!, round, '2️⃣');
    await steps.votesStored(4);
    fake.react(alice!, round, '✅');

    await steps.storyVideo('bob, carol');
    const next = await steps.succeeded(NEXT);
    await steps.committed(next.id); // charged once, after the post
    const posted = fake.messages().filter((m) => /^🎬 Story /.test(m.content));
    assert.equal(posted.length, 1, 'the story is posted once');
    const db = harness.stack.db;
    const jobs = await db.jobRecord.findMany({ where: { generationId: next.id } });
    assert.deepEqual(
      jobs.map((job) => job.kind),
      ['candidates'],
      'the continuations are drawn once',
    );
  },
);
