// Slack on the real stack: the Slack adapter (HTTP mode, signed requests, Web API answered by
// the fake Slack) joins the playground's BotService in `startStack`, on Prisma (SQLite in a
// temporary file), BullMQ (own prefix on the shared Redis) and the ONNX engine with the tiny
// test model. A full /video round: two voters, the requester closes the vote, the MP4 and the
// GIF are uploaded in the request's thread.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { probeVideo } from '../../engine/helpers/probe.js';
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
  '/video on Slack on the real stack: two voters, the MP4 uploaded',
  { timeout: 120_000 },
  async () => {
    const prompt = 'a big red circle moving right';
    const { request, grid } = await h.startVideo(prompt, '--seed 41 --steps 2');
    await h.react(USERS.bob, 'three', grid.ts);
    await h.react(USERS.carol, 'three', grid.ts);
    await h.waitForVotes(prompt, { [USERS.bob]: 3, [USERS.carol]: 3 });
    await h.react(USERS.alice, 'white_check_mark', grid.ts);

    const result = await h.waitForMessage(
      (m) => m.threadTs === request.ts && m.text.startsWith('🎬'),
      'the video in the thread of the request',
    );
    assert.match(result.text, /seed 43, frame 3 of round 1; votes: 1️⃣ 0 · 2️⃣ 0 · 3️⃣ 2 · 4️⃣ 0/);
    const [mp4, gif] = result.fileIds.map((id) => h.fake.files.get(id));
    assert.match(mp4?.filename ?? '', /\.mp4$/);
    assert.equal(mp4?.data?.subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4 file');
    assert.equal(gif?.data?.subarray(0, 6).toString('latin1'), 'GIF89a', 'a GIF preview');

    const db = h.product.stack.db;
    const generation = await waitFor('the generation marked succeeded', async () => {
      const row = await db.generation.findFirst({ where: { prompt } });
      return row?.status === 'succeeded' ? row : undefined;
    });
    assert.equal(mp4?.data?.length, statSync(generation.videoPath!).size, 'the whole MP4');
    assert.equal(probeVideo(generation.videoPath!).frames, 16);
    const votes = await db.vote.findMany();
    assert.deepEqual(votes.map((vote) => vote.choice).sort(), [3, 3]);
  },
);
