// 🔁 re-takes on the real stack, through the web playground's HTTP API: Prisma (SQLite), BullMQ
// (own prefix), the ONNX engine with the tiny model. Another user's 🔁 waits for the window
// (asked for by two, one job, charged once to the first); the requester's starts at once on their
// quota; a take asked for across a restart still happens; a take whose first frame is gone fails
// and refunds only itself. Every take is a generation of its own in the history.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { WebMessage } from '../../src/bots/web/web-adapter.js';
import { probeVideo } from '../engine/helpers/probe.js';
import { StackHarness, waitFor } from './stack-harness.js';
import { assertOneTakeJob } from './take-checks.js';

const harness = new StackHarness('sqlite', {}, { VOTE_WINDOW_SECONDS: '5' });
const PROMPT = 'a big red circle moving right';

before(async () => {
  await harness.start();
});
after(async () => {
  await harness.cleanup();
});

const isVideo = (m: WebMessage) => m.attachments.some((a) => a.kind === 'video');
const hasRetakeButton = (m: WebMessage) => m.reactions.some((r) => r.emoji === '🔁');

/** The ledger entry of a quota key, once it is in `state`; with the user it charges. */
function ledgerIn(key: string, state: 'committed' | 'refunded') {
  const db = harness.stack.db;
  return waitFor(`quota ${key} ${state}`, async () => {
    const entry = await db.quotaLedgerEntry.findUnique({ where: { key }, include: { user: true } });
    return entry?.state === state ? entry : undefined;
  });
}

let first: { id: string; video: WebMessage };

test('the first video gets 🔁 under it', { timeout: 120_000 }, async () => {
  await harness.say('alice', `/video ${PROMPT} --seed 41 --steps 2`);
  const round = await harness.waitForMessage(/Round 1 for "a big red circle/, 'alice', (m) =>
    m.reactions.some((r) => r.emoji === '4️⃣'),
  );
  await harness.react('alice', round.id, '3️⃣');
  await harness.react('alice', round.id, '✅');
  const video = await harness.waitForMessage(
    /^🎬 "a big red circle/,
    'alice',
    (m) => isVideo(m) && hasRetakeButton(m),
  );
  assert.match(video.text, /seed 43, frame 3 of round 1/);
  const row = await harness.stack.db.generation.findFirstOrThrow({ where: { prompt: PROMPT } });
  first = { id: row.id, video };
  await ledgerIn(row.id, 'committed');
});

test(
  "others' 🔁 start take 2 at the deadline: one job, charged once, to the first who asked",
  {
    timeout: 120_000,
  },
  async () => {
    await harness.react('bob', first.video.id, '🔁');
    await harness.react('carol', first.video.id, '🔁');
    const asked = await harness.waitForMessage(/asked for by bob, carol: take 2/, 'alice');
    assert.match(asked.text, /seed 44/);
    const take = await harness.waitForMessage(
      /^🎬 "a big red circle moving right" \(take 2\)/,
      'alice',
      isVideo,
    );
    assert.match(
      take.text,
      /for bob: seed 44, frame 3 of round 1; .*cost: 1 video of bob's quota\. ⏩ to continue it\.$/,
    );
    const mp4 = harness.fileOf(take.attachments.find((a) => a.kind === 'video')!.url);
    assert.equal(probeVideo(mp4).frames, 16);
    assert.notEqual(
      mp4,
      harness.fileOf(first.video.attachments.find((a) => a.kind === 'video')!.url),
    );

    const entry = await ledgerIn(`${first.id}-t2`, 'committed');
    assert.equal(entry.user?.externalId, 'bob');
    const db = harness.stack.db;
    await assertOneTakeJob(db, first.id, 2);
    const charged = await db.quotaLedgerEntry.count({ where: { key: { startsWith: first.id } } });
    assert.equal(charged, 2, 'the first video and take 2, nothing else');
    // A later 🔁 under the first video is told where take 2 is, and starts nothing.
    await harness.react('dave', first.video.id, '🔁');
    await harness.waitForMessage(/Take 2 of "a big red circle moving right" is posted/, 'dave');
    assert.equal(await db.generation.count({ where: { id: { startsWith: first.id } } }), 2);
  },
);

test(
  "a take asked for before a restart happens after it; the requester's 🔁 starts the next at once, on their quota",
  {
    timeout: 120_000,
  },
  async () => {
    const take2 = await harness.waitForMessage(/\(take 2\) for bob/, 'alice', isVideo);
    // Asked for by another user, then the bot restarts while the take gathers askers.
    await harness.react('bob', take2.id, '🔁');
    await harness.waitForMessage(/asked for by bob: take 3/, 'alice');
    const db = harness.stack.db;
    await waitFor('take 3 saved while asking', async () =>
      (await db.generation.findUnique({ where: { id: `${first.id}-t3` } }))?.status === 'voting'
        ? true
        : undefined,
    );
    await harness.restart();
    const take3 = await waitFor('take 3 animated after the restart', async () => {
      const row = await db.generation.findUnique({ where: { id: `${first.id}-t3` } });
      return row?.status === 'succeeded' ? row : undefined;
    });
    assert.ok(take3.videoPath);
    assert.equal((await ledgerIn(`${first.id}-t3`, 'committed')).user?.externalId, 'bob');
    await assertOneTakeJob(db, first.id, 3);
    // The requester's 🔁 under take 3 (posted again after the restart: find it in the store).
    const video3 = await waitFor('take 3 posted', () =>
      harness
        .messages('alice')
        .find((m) => /\(take 3\) for bob/.test(m.text) && isVideo(m) && hasRetakeButton(m)),
    );
    await harness.react('alice', video3.id, '🔁');
    const take4 = await harness.waitForMessage(/\(take 4\) for alice: seed 46/, 'alice', isVideo);
    assert.match(take4.text, /cost: 1 video of alice's quota\. ⏩ to continue it\.$/);
    assert.equal((await ledgerIn(`${first.id}-t4`, 'committed')).user?.externalId, 'alice');
  },
);

test(
  'a take whose first frame is gone fails and refunds only itself',
  { timeout: 120_000 },
  async () => {
    const db = harness.stack.db;
    const take4 = await harness.waitForMessage(/\(take 4\) for alice/, 'alice', isVideo);
    const generation = await db.generation.findUniqueOrThrow({ where: { id: `${first.id}-t4` } });
    const frame = (generation.flowState as { chosen: { imagePath: string } }).chosen.imagePath;
    rmSync(frame);
    await harness.react('alice', take4.id, '🔁');
    const failed = await harness.waitForMessage(/\(take 5\) failed/, 'alice');
    assert.match(failed.text, /Your quota was refunded/);
    assert.equal((await ledgerIn(`${first.id}-t5`, 'refunded')).user?.externalId, 'alice');
    await ledgerIn(`${first.id}-t4`, 'committed');
    await ledgerIn(first.id, 'committed');
  },
);
