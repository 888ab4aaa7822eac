// Vote deadlines as BullMQ delayed jobs (src/queue/timer-queue.ts) on the real Redis, with two
// TimerQueues standing for two bot processes on one prefix: a deadline set by both fires once,
// a cancelled one never, a late `set` of a fired one adds nothing, one set while no process
// listened fires when a process starts, and a handler that fails is tried again.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { TimerQueue } from '../../src/queue/timer-queue.js';
import { dropPrefix, SHARED_REDIS_URL, waitFor } from '../queue/helpers.js';

const prefixes: string[] = [];
const open: TimerQueue[] = [];
after(async () => {
  for (const timers of open) await timers.close().catch(() => {});
  for (const prefix of prefixes) await dropPrefix(SHARED_REDIS_URL, prefix);
});

function newPrefix(): string {
  const prefix = `ff-timers-${randomUUID()}`;
  prefixes.push(prefix);
  return prefix;
}

/** A "bot process": its timer queue, and the deadlines it was handed, as `process gen round`. */
function processOn(prefix: string, name: string, fired: string[]) {
  const timers = new TimerQueue({ connection: { url: SHARED_REDIS_URL }, prefix });
  open.push(timers);
  const start = () =>
    timers.start(async (generationId, round) => {
      fired.push(`${name} ${generationId} ${round}`);
    });
  return { timers, start };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const firedFor = (fired: string[], id: string) => fired.filter((f) => f.endsWith(` ${id} 1`));

test('a deadline set by two processes fires once, in one of them; a cancelled one never', async () => {
  const prefix = newPrefix();
  const fired: string[] = [];
  const a = processOn(prefix, 'a', fired);
  const b = processOn(prefix, 'b', fired);
  await Promise.all([a.start(), b.start()]);

  const at = Date.now() + 400;
  await Promise.all([a.timers.set('g1', 1, at), b.timers.set('g1', 1, at)]);
  await a.timers.set('g2', 1, at);
  await b.timers.cancel('g2', 1); // the round closed early, in the other process
  await waitFor('the deadline', () => firedFor(fired, 'g1').length > 0);
  assert.ok(Date.now() >= at, 'not before its time');
  await sleep(800);
  assert.equal(firedFor(fired, 'g1').length, 1, `once: ${fired.join(', ')}`);
  assert.deepEqual(firedFor(fired, 'g2'), [], 'cancelled');

  // A process resuming an old state sets the fired deadline again: it does not fire again.
  await b.timers.set('g1', 1, at);
  await sleep(600);
  assert.equal(firedFor(fired, 'g1').length, 1, `still once: ${fired.join(', ')}`);
});

test('a deadline that passed while no process listened fires once a process starts', async () => {
  const prefix = newPrefix();
  const fired: string[] = [];
  const before = processOn(prefix, 'before', fired); // sets it, never takes deadlines
  await before.timers.set('g3', 1, Date.now() + 100);
  await before.timers.close();
  await sleep(400);
  assert.deepEqual(fired, []);

  const restarted = processOn(prefix, 'restarted', fired);
  const other = processOn(prefix, 'other', fired);
  await Promise.all([restarted.start(), other.start()]);
  await waitFor('the missed deadline', () => firedFor(fired, 'g3').length > 0);
  await sleep(500);
  assert.equal(firedFor(fired, 'g3').length, 1, `once: ${fired.join(', ')}`);
});

test('a deadline whose handling fails is tried again', async () => {
  const prefix = newPrefix();
  const timers = new TimerQueue({ connection: { url: SHARED_REDIS_URL }, prefix });
  open.push(timers);
  let calls = 0;
  let handled = false;
  await timers.start(async () => {
    calls += 1;
    if (calls === 1) throw new Error('database away');
    handled = true;
  });
  await timers.set('g4', 1, Date.now() + 50);
  await waitFor('the second try', () => handled);
  assert.equal(calls, 2);
});
