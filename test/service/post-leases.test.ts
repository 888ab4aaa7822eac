// Post leases on the real Redis (src/queue/post-leases.ts), two RedisPostLeases standing for two
// bot processes on one prefix: one holds the lease on a message while the other is told how
// long it still runs; given back, the other takes it; kept past its time by renewals while the
// holder lives; run out soon after the holder is gone (its connection closed, no renewals).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { RedisPostLeases } from '../../src/queue/post-leases.js';
import type { PostLease } from '../../src/service/ports.js';
import { dropPrefix, SHARED_REDIS_URL, waitFor } from '../queue/helpers.js';

const prefix = `ff-leases-${randomUUID()}`;
const LEASE_MS = 600;
const open: RedisPostLeases[] = [];
after(async () => {
  for (const leases of open) await leases.close();
  await dropPrefix(SHARED_REDIS_URL, prefix);
});

function processLeases(): RedisPostLeases {
  const leases = new RedisPostLeases({
    connection: { url: SHARED_REDIS_URL },
    prefix,
    leaseMs: LEASE_MS,
  });
  open.push(leases);
  return leases;
}

const isLease = (taken: PostLease | number): taken is PostLease => typeof taken !== 'number';

test('one process holds the lease on a message; given back, the other takes it', async () => {
  const [a, b] = [processLeases(), processLeases()];
  const held = await a.take('gen-1', 'round:1');
  assert.ok(isLease(held));
  const refused = await b.take('gen-1', 'round:1');
  assert.equal(typeof refused, 'number');
  assert.ok((refused as number) > 0 && (refused as number) <= LEASE_MS, String(refused));
  assert.ok(isLease(await b.take('gen-1', 'result')), 'another message of it is free');
  assert.ok(isLease(await b.take('gen-2', 'round:1')), 'the same key of another generation');
  await held.release();
  const taken = await b.take('gen-1', 'round:1');
  assert.ok(isLease(taken), 'free once given back');
  await taken.release();
});

test('renewed while its holder lives; run out once the holder is gone', async () => {
  const [a, b] = [processLeases(), processLeases()];
  const held = await a.take('gen-3', 'result');
  assert.ok(isLease(held));
  // Past three lease times the holder's renewals keep it.
  const since = Date.now();
  await waitFor('three lease times', async () => {
    const answer = await b.take('gen-3', 'result');
    assert.equal(typeof answer, 'number', 'still held');
    return Date.now() - since > 3 * LEASE_MS;
  });
  // The holder dies: no renewals; the lease runs out.
  await a.close();
  const taken = await waitFor('the lease free', async () => {
    const answer = await b.take('gen-3', 'result');
    return isLease(answer) ? answer : undefined;
  });
  await taken.release();
});
