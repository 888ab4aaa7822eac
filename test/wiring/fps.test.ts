// --fps end to end on the real stack (playground HTTP API, Prisma on SQLite, BullMQ, the ONNX
// engine) pointed at the masked test model, whose video model interpolates: `--fps 16` makes a
// video of 2F - 1 frames and says so; `--fps 12` is refused before anything is queued or
// charged, naming the rates the model makes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { probeVideo } from '../engine/helpers/probe.js';
import { MASKED_MODEL_DIR } from '../engine/helpers/fixtures.js';
import { StackHarness } from './stack-harness.js';

const harness = new StackHarness('sqlite', {}, { MODEL_DIR: MASKED_MODEL_DIR });

before(async () => {
  await harness.start();
});
after(async () => {
  await harness.cleanup();
});

test(
  '--fps 16 with a model that interpolates: twice the frames, at 16 fps',
  { timeout: 180_000 },
  async () => {
    await harness.say('alice', '/video a red circle moving right --seed 5 --steps 1 --fps 16');
    const round = await harness.waitForMessage(/Round 1 for "a red circle/, 'alice', (m) =>
      m.reactions.some((r) => r.emoji === '✅'),
    );
    await harness.react('alice', round.id, '2️⃣');
    await harness.react('alice', round.id, '✅');
    const result = await harness.waitForMessage(/^🎬/, 'alice', (m) =>
      m.attachments.some((a) => a.kind === 'video'),
    );
    assert.match(result.text, /seed 6, 16 fps, frame 2 of round 1/);
    const mp4 = harness.fileOf(result.attachments.find((a) => a.kind === 'video')!.url);
    assert.equal(probeVideo(mp4).frames, 31);
  },
);

test('--fps the model cannot make is refused, naming the rates it makes; nothing charged', async () => {
  const db = harness.stack.db;
  const before = await db.generation.count();
  await harness.say('bob', '/video a red circle moving right --fps 12');
  const refusal = await harness.waitForMessage(/cannot make 12 fps/, 'bob');
  assert.match(refusal.text, /this model cannot make 12 fps videos: it makes 8 or 16 fps/);
  assert.equal(await db.generation.count(), before);
  assert.equal(await db.quotaLedgerEntry.count({ where: { user: { externalId: 'bob' } } }), 0);
});
