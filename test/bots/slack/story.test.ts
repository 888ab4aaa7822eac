// Stories on Slack (issue 29 "extend together") on the real stack (Prisma on SQLite, BullMQ, the
// ONNX engine with the tiny model): a first video, then `/video extend <caption>` by another
// person, whose round shows an animated 2x2 preview GIF of four continuations with 1️⃣-4️⃣ 🔄 ✅
// (no 🔀); two voters pick one and the whole story is uploaded as MP4 + GIF, its message listing
// every clip's caption, seed and voters, each clip charged once to its own requester. Then
// :fast_forward: and :repeat: under the videos are answered privately, and a channel whose admin
// set `extend requester` refuses anyone else's extend, charging nothing; an admin's
// `/video extend close` ends the story (a non-admin's is refused; both audited).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { probeVideo } from '../../engine/helpers/probe.js';
import { auditEntries } from '../../helpers/audit.js';
import { StackHarness, waitFor } from '../../wiring/stack-harness.js';
import type { FakeMessage } from './fake-slack.js';
import { CHANNEL, USERS } from './slack-harness.js';
import { FIRST, NEXT, STORY_REACTIONS, StorySteps } from './story-steps.js';
import { SlackOnStack } from './slack-on-stack.js';

let h: SlackOnStack;
let steps: StorySteps;
/** The first video's message and the story's (set by the first test, used by the next ones). */
let firstVideo: FakeMessage | undefined;
let storyVideo: FakeMessage | undefined;

before(async () => {
  h = await new SlackOnStack(new StackHarness('sqlite')).start();
  steps = new StorySteps(h);
});

after(async () => {
  await h?.cleanup();
});

/** An uploaded file's bytes written out (for ffprobe; the folder goes with the harness). */
function uploaded(message: FakeMessage, extension: string): string {
  const file = message.fileIds
    .map((id) => h.fake.files.get(id))
    .find((candidate) => candidate?.filename.endsWith(extension));
  assert.ok(file?.data, `a ${extension} file in the message`);
  const local = path.join(h.dir, `${file.id}${extension}`);
  writeFileSync(local, file.data);
  return local;
}

test(
  'a two-clip story on Slack: /video extend, a preview GIF without 🔀, two voters, the story video',
  { timeout: 180_000 },
  async () => {
    const db = h.product.stack.db;
    // Clip 1: Alice's video, frame 3 (seed 43) chosen by Bob.
    const video = await steps.firstVideo();
    assert.match(video.text, /cost: 1 video of alice's quota\. ⏩ to continue it\.$/);
    firstVideo = video;

    // Clip 2: Bob extends it; the request is repeated in the channel like a /video.
    const { request, preview } = await steps.extend('bob', '--seed 7 --steps 2');
    assert.match(
      preview.text,
      new RegExp(
        `^🗳️ Round 1 for "${NEXT}" \\(clip 2 of "${FIRST}"\\): vote for how the story goes on`,
      ),
    );
    const previewFile = h.fake.files.get(preview.fileIds[0] ?? '');
    assert.match(previewFile?.filename ?? '', /\.gif$/);
    assert.equal(previewFile?.data?.subarray(0, 6).toString('latin1'), 'GIF89a', 'a GIF');
    assert.deepEqual(steps.botReactions(preview.ts), STORY_REACTIONS, 'no 🔀 under a story round');

    // Two voters for continuation 2 (seed 8); the requester closes the vote.
    await h.react(USERS.alice, 'two', preview.ts);
    await h.react(USERS.carol, 'two', preview.ts);
    await h.waitForVotes(NEXT, { [USERS.alice]: 2, [USERS.carol]: 2 });
    await h.react(USERS.bob, 'white_check_mark', preview.ts);
    const story = await steps.storyVideo(request);
    assert.deepEqual(story.text.split('\n'), [
      `🎬 Story "${FIRST}", 2 clips, for bob:`,
      `1. "${FIRST}": seed 43, chosen by bob`,
      `2. "${NEXT}": seed 8, chosen by alice, carol`,
      "Clip 2: continuation 2 of round 1; cost: 1 video of bob's quota. ⏩ to continue it.",
    ]);
    // The whole story: more frames than the first clip alone.
    const firstFrames = probeVideo(uploaded(video, '.mp4')).frames;
    const storyFrames = probeVideo(uploaded(story, '.mp4')).frames;
    assert.ok(storyFrames > firstFrames, `story ${storyFrames} frames, clip 1 ${firstFrames}`);
    assert.equal(
      readFileSync(uploaded(story, '.gif')).subarray(0, 6).toString('latin1'),
      'GIF89a',
      'the story as a GIF too',
    );
    await waitFor('the bot :fast_forward: under the story', () =>
      steps.botReactions(story.ts).includes('fast_forward') ? true : undefined,
    );
    assert.deepEqual(steps.botReactions(story.ts), ['fast_forward'], 'no 🔁 under a story');
    storyVideo = story;

    // Each clip charged once, to its own requester; the story clip ran one job (no animation).
    const [clip1, clip2] = await Promise.all([
      db.generation.findFirstOrThrow({ where: { prompt: FIRST } }),
      db.generation.findFirstOrThrow({ where: { prompt: NEXT } }),
    ]);
    await steps.committed(clip2.id);
    assert.deepEqual(await steps.ledgerOf(USERS.alice), [`${clip1.id}:committed`]);
    assert.deepEqual(await steps.ledgerOf(USERS.bob), [`${clip2.id}:committed`]);
    const jobs = await db.jobRecord.findMany({ where: { generationId: clip2.id } });
    assert.deepEqual(
      jobs.map((job) => job.jobId),
      [`candidates-${clip2.id}-r1`],
    );
  },
);

test(':fast_forward: under a video tells how to extend it; :repeat: under a story is answered, privately', async () => {
  assert.ok(firstVideo && storyVideo, 'the story test ran first');
  const publicBefore = h.fake.messages.filter((m) => !m.visibleTo).length;
  await h.react(USERS.carol, 'fast_forward', firstVideo.ts);
  const hint = await h.waitForMessage(
    (m) => m.visibleTo === USERS.carol && /^To continue/.test(m.text),
    'the hint to carol',
  );
  assert.equal(
    hint.text,
    `To continue "${FIRST}", send /video extend &lt;what happens next&gt; (it continues the newest video in this channel); the channel then votes on 4 continuations.`,
  );
  await h.react(USERS.carol, 'repeat', storyVideo.ts);
  const noRetake = await h.waitForMessage(
    (m) => m.visibleTo === USERS.carol && /re-takes a single video/.test(m.text),
    'the answer to carol’s 🔁',
  );
  assert.match(noRetake.text, /continued with \/video extend\.$/);
  // Bob's /video extend left him a response URL: his hint comes through it.
  await h.react(USERS.bob, 'fast_forward', storyVideo.ts);
  await waitFor('the hint to bob', () =>
    h.fake.responses.find((r) =>
      /^To continue "a red circle moving down"/.test(String(r.body.text)),
    ),
  );
  assert.equal(
    h.fake.messages.filter((m) => !m.visibleTo).length,
    publicBefore,
    'nothing posted for everyone',
  );
  const db = h.product.stack.db;
  assert.equal(await db.generation.count(), 2, 'no re-take, no new clip');
});

test("an admin sets `extend requester`: another person's /video extend is refused, nothing charged", async () => {
  assert.ok(storyVideo, 'the story test ran first');
  const db = h.product.stack.db;
  const refused = await h.command('carol', '/video-settings', 'set extend requester');
  assert.match(
    await h.waitForAnswer(refused.responseId, /admins/),
    /^Sorry, only workspace admins/,
  );
  const set = await h.command('dave', '/video-settings', 'set extend requester');
  assert.match(
    await h.waitForAnswer(set.responseId, /^Done/),
    /^Done: extend set to requester in this channel/,
  );

  const messagesBefore = h.fake.messages.length;
  const extend = await h.command('carol', '/video', 'extend a red circle growing --steps 2');
  assert.deepEqual([extend.status, extend.body], [200, '']);
  const answer = await h.waitForAnswer(extend.responseId, /^Sorry/);
  assert.match(
    answer,
    new RegExp(
      `^Sorry, I can't do that: in this channel only the story's requester \\(alice\\) may extend "${FIRST}"`,
    ),
  );
  assert.equal(h.fake.messages.length, messagesBefore, 'the refused extend is not repeated');
  assert.deepEqual(await steps.ledgerOf(USERS.carol), [], 'nothing reserved for carol');
  assert.equal(await db.generation.count(), 2, 'no new clip');
  assert.equal(
    (await db.channelSettings.findFirst({ where: { channelId: CHANNEL } }))?.extendBy,
    'requester',
  );
});

test('`/video extend close`: refused for a non-admin, an admin closes the story, then even its requester is refused', async () => {
  assert.ok(storyVideo, 'the story test ran first');
  const db = h.product.stack.db;
  const refused = await h.command('carol', '/video', 'extend close');
  assert.equal(
    await h.waitForAnswer(refused.responseId, /admins/),
    'Sorry, only workspace admins can close a story. Anyone may continue it with /video extend &lt;what happens next&gt;.',
  );
  const close = await h.command('dave', '/video', 'extend close');
  assert.equal(
    await h.waitForAnswer(close.responseId, /^Done/),
    `Done: the story "${FIRST}" is closed; /video &lt;prompt&gt; starts a new one.`,
  );
  const note = await h.waitForMessage(
    (m) => m.threadTs === storyVideo?.threadTs && /is closed by/.test(m.text),
    'the closing note in the story thread',
  );
  assert.equal(note.text, `The story "${FIRST}" is closed by dave: it will not be extended.`);
  assert.deepEqual(
    (await auditEntries(db)).filter((entry) => entry.action === 'story.close'),
    [
      {
        actorId: USERS.carol,
        actorName: 'carol',
        action: 'story.close',
        target: `channel:${CHANNEL}`,
        allowed: false,
      },
      {
        actorId: USERS.dave,
        actorName: 'dave',
        action: 'story.close',
        target: `channel:${CHANNEL}`,
        allowed: true,
      },
    ],
  );
  const extend = await h.command('alice', '/video', 'extend a red circle growing --steps 2');
  assert.match(
    await h.waitForAnswer(extend.responseId, /^Sorry/),
    new RegExp(
      `^Sorry, I can't do that: the story "${FIRST}" was closed by dave; start a new one with /video &lt;prompt&gt;\\.$`,
    ),
  );
  const clip1 = await db.generation.findFirstOrThrow({ where: { prompt: FIRST } });
  assert.deepEqual(await steps.ledgerOf(USERS.alice), [`${clip1.id}:committed`], 'nothing more');
  assert.equal(await db.generation.count(), 2, 'no new clip');
});
