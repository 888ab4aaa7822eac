// The demo store's quota rules: idempotent reservations, refunds, workspace limits, resets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { SqliteStore } from '../../src/app/dev/sqlite-store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ff-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2026, 10, 26, 15, 30);
const ws = { platform: 'local', workspaceId: 'w' };
const ann = { ...ws, userId: 'ann' };
const ben = { ...ws, userId: 'ben' };

function store(name: string) {
  return new SqliteStore(path.join(dir, `${name}.db`), {
    userDaily: 2,
    userMonthly: 3,
    workspaceDaily: 0,
    workspaceMonthly: 0,
  });
}

test('reservations are idempotent by key; refunds give the video back', async () => {
  const s = store('idempotent');
  assert.deepEqual(await s.reserve('a', ann, NOW), { ok: true });
  assert.deepEqual(await s.reserve('a', ann, NOW), { ok: true });
  assert.equal((await s.status(ann, NOW)).user.daily.used, 1);
  await s.reserve('b', ann, NOW);
  assert.deepEqual(await s.reserve('c', ann, NOW), {
    ok: false,
    scope: 'user',
    period: 'daily',
    limit: 2,
    resetsAt: Date.UTC(2026, 10, 27),
  });
  await s.refund('b');
  await s.refund('b');
  assert.deepEqual(await s.reserve('c', ann, NOW), { ok: true });
  await s.commit('c');
  await s.refund('c'); // committed stays committed
  assert.equal((await s.status(ann, NOW)).user.daily.used, 2);
  // The next day, the monthly limit (3) is what stops ann.
  const tomorrow = NOW + 86_400_000;
  assert.deepEqual(await s.reserve('d', ann, tomorrow), { ok: true });
  const refused = await s.reserve('e', ann, tomorrow);
  assert.deepEqual(refused.ok ? null : [refused.period, refused.resetsAt], [
    'monthly',
    Date.UTC(2026, 11, 1),
  ]);
  s.close();
});

test('workspace limits, unlimited users and resets', async () => {
  const s = store('workspace');
  await s.change(
    ws,
    { action: 'set', target: { kind: 'workspace' }, period: 'daily', limit: 2 },
    NOW,
  );
  await s.change(
    ws,
    { action: 'set', target: { kind: 'user', userId: 'ann' }, period: 'daily', limit: null },
    NOW,
  );
  await s.reserve('1', ann, NOW);
  await s.reserve('2', ann, NOW);
  const refused = await s.reserve('3', ben, NOW);
  assert.deepEqual(refused.ok ? null : [refused.scope, refused.limit], ['workspace', 2]);
  const status = await s.status(ann, NOW);
  assert.deepEqual([status.user.daily.limit, status.workspace.daily.used], [null, 2]);
  await s.change(ws, { action: 'reset', target: { kind: 'workspace' } }, NOW + 1);
  assert.deepEqual(await s.reserve('3', ben, NOW + 2), { ok: true });
  assert.equal(
    (await s.status(ann, NOW + 2)).user.daily.used,
    0,
    'a workspace reset resets its users too',
  );
  s.close();
});

test('history pages newest first, for one user or everyone', async () => {
  const s = store('history');
  for (let i = 0; i < 3; i++) {
    await s.saveGeneration({
      id: `g${i}`,
      platform: 'local',
      workspaceId: 'w',
      channelId: 'c',
      requester: i === 1 ? { id: 'ben', name: 'ben' } : { id: 'ann', name: 'ann' },
      settings: { prompt: `p${i}`, seed: i, steps: 1, guidance: 1, scheduler: 'ddim' },
      phase: 'done',
      createdAt: NOW + i,
      updatedAt: NOW + i,
      rounds: [],
      quotaKeys: [],
      messages: {},
      voteSeq: 0,
    });
  }
  const all = await s.history({ ...ws, page: 1, pageSize: 2 });
  assert.deepEqual([all.total, all.items.map((item) => item.prompt)], [3, ['p2', 'p1']]);
  const annOnly = await s.history({ ...ws, userId: 'ann', page: 2, pageSize: 1 });
  assert.deepEqual([annOnly.total, annOnly.items.map((item) => item.prompt)], [2, ['p0']]);
  assert.deepEqual(await s.loadActiveGenerations(), []);
  s.close();
});
