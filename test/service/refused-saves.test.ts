// Two answers that say a thing was done only once the saved state says so: `/video vary <n>`
// when the vote closes between the service's check and the saved round, and
// `/video extend close` when the closed story cannot be saved. Real parts (SQLite, the
// in-process jobs, the web chat adapter) through the service harness.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Harness } from './service-harness.js';
import { auditEntries } from '../helpers/audit.js';

/** A bot on its own database and folder, removed when the test ends. */
async function bot(t: TestContext): Promise<Harness> {
  const harness = await new Harness().start();
  t.after(() => harness.cleanup());
  return harness;
}

test('/video vary <n> while the deadline closes the vote: "could not be asked for", no variations round', async (t) => {
  const h = await bot(t);
  await h.adapter.submit('alice', '/video a red circle moving left --seed 30 --steps 2');
  const grid = await h.waitForMessage(/^🗳️ Round 1/);
  await h.settle();
  await h.adapter.toggleReaction('bob', grid.id, '2️⃣');

  // The vote's deadline passes right after the service found the open vote (and before its
  // varyAsked is handled): the timer closes round 1 first, as a real race would.
  const load = h.store.loadActiveGenerations.bind(h.store);
  let raced = 0;
  h.store.loadActiveGenerations = async () => {
    const open = await load();
    raced += 1;
    h.clock.advance(60_000);
    return open;
  };
  await h.adapter.submit('alice', '/video vary 4');
  h.store.loadActiveGenerations = load;
  assert.equal(raced, 1, 'the service looked up the open vote once');

  const answer = await h.waitForMessage(/variations of frame 4/);
  assert.equal(
    answer.text,
    'Sorry, the variations of frame 4 could not be asked for: the vote changed meanwhile.',
  );
  assert.equal(answer.visibleTo, 'alice');
  assert.ok(!h.messages().some((m) => /are on their way/.test(m.text)), 'no "on their way" answer');

  // The deadline's outcome stands: frame 2 wins and is animated; no round 2 is started.
  const video = await h.waitForMessage(/^🎬 "a red circle moving left" for alice/);
  assert.match(video.text, /frame 2 of round 1/);
  await h.settle();
  assert.match(
    h.messages().find((m) => m.id === grid.id)?.text ?? '',
    /Round 1 for "a red circle moving left" closed: frame 2 wins/,
  );
  assert.ok(!h.messages().some((m) => /Round 2/.test(m.text)), 'no variations round');
  const [done] = await h.store.loadRecentlyFinished(10);
  assert.equal(done?.rounds.length, 1);
  assert.equal(done?.rounds[0]?.outcome?.kind, 'winner');
});

test('/video extend close whose save fails: "could not be closed", no audit entry, the story stays open', async (t) => {
  const h = await bot(t);
  await h.adapter.submit('alice', '/video a red circle moving right --seed 5 --steps 2');
  const grid = await h.waitForMessage(/^🗳️ Round 1 for "a red circle moving right"/);
  await h.settle();
  await h.adapter.toggleReaction('alice', grid.id, '2️⃣');
  await h.adapter.toggleReaction('alice', grid.id, '✅');
  await h.waitForMessage(/^🎬 "a red circle moving right" for alice/);
  await h.settle();

  // Every save of the closed story loses (another process, every time): the runner gives up.
  const save = h.store.saveGeneration.bind(h.store);
  let refused = 0;
  h.store.saveGeneration = async () => {
    refused += 1;
    return false;
  };
  await h.adapter.submit('admin', '/video extend close');
  h.store.saveGeneration = save;
  assert.ok(refused > 0, 'the close was tried');

  const answer = await h.waitForMessage(/^Sorry, the story /, 'admin');
  assert.equal(
    answer.text,
    'Sorry, the story "a red circle moving right" could not be closed; please try again.',
  );
  assert.equal(answer.visibleTo, 'admin');
  assert.ok(!h.messages('admin').some((m) => /^Done: /.test(m.text)), 'no "Done" answer');
  assert.ok(!h.messages().some((m) => /is closed by admin/.test(m.text)), 'no note in the channel');
  assert.deepEqual(
    (await auditEntries(h.bot.db)).filter((e) => e.action === 'story.close'),
    [],
    'no story.close audit entry',
  );
  const latest = await h.store.latestVideo('local', 'local', 'playground');
  assert.ok(latest, 'the video is stored');
  assert.equal(latest.storyClosed, undefined);

  // The story is still open: bob continues it.
  await h.adapter.submit('bob', '/video extend a red circle moving down --seed 40 --steps 2');
  await h.waitForMessage(
    /^🗳️ Round 1 for "a red circle moving down" \(clip 2 of "a red circle moving right"\)/,
    'bob',
  );
  await h.settle();
});
