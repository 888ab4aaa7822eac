// The product end to end in one process, on real parts: the web playground's HTTP API, the
// bot service, BullMQ on Redis (own prefix), a worker running the ONNX engine with the tiny
// test model, and Prisma on a fresh database. One /video: four candidates, two votes, the
// requester closes the round, the winner is animated into an MP4 with 16 frames, the quota
// is committed; a job the engine refuses fails at once and the quota is refunded. The same
// suite runs with the artifacts in the data folder and in an S3-compatible store (s3rver).
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { probeVideo } from '../engine/helpers/probe.js';
import { S3ArtifactStore } from '../../src/artifacts/s3-store.js';
import type { Kind } from '../helpers/databases.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';
import { adminLogin } from '../bots/web/web-client.js';
import { StackHarness, waitFor } from './stack-harness.js';

const VARIANTS: { kind: Kind; artifacts: 'folder' | 's3' }[] = [
  { kind: 'sqlite', artifacts: 'folder' },
  { kind: 'postgresql', artifacts: 'folder' },
  { kind: 'postgresql', artifacts: 's3' },
];

for (const { kind, artifacts } of VARIANTS) {
  const name = artifacts === 's3' ? `${kind}, artifacts in S3` : kind;
  describe(`the whole stack on ${name}`, { timeout: 240_000 }, () => {
    const env: Record<string, string> = {}; // ARTIFACTS_URL and the like, once s3rver runs
    // steps up to 100 here (the product allows the engine's 50), so the engine can refuse one.
    const harness = new StackHarness(kind, { steps: { min: 1, max: 100 } }, env);
    let s3: TestS3Server | undefined;
    before(async () => {
      if (artifacts === 's3') {
        s3 = await startS3Server();
        Object.assign(env, s3.env(harness.prefix));
      }
      await harness.start();
    });
    after(async () => {
      await harness.cleanup();
      await s3?.close();
    });

    test('/video → 4 candidates → two votes → animation → MP4, quota committed', async () => {
      const started = performance.now();
      await harness.say('alice', '/video a big red circle moving right --seed 41 --steps 2');
      const round = await harness.waitForMessage(/Round 1 for "a big red circle/, 'alice', (m) =>
        m.reactions.some((r) => r.emoji === '4️⃣'),
      );
      const candidatesMs = performance.now() - started;
      assert.equal(round.attachments.length, 1, 'the grid is attached');
      assert.ok(statSync(harness.fileOf(round.attachments[0]!.url)).size > 0);

      await harness.react('alice', round.id, '3️⃣');
      await harness.react('bob', round.id, '3️⃣');
      await waitFor('two votes for 3️⃣', () =>
        harness
          .messages('bob')
          .find((m) => m.id === round.id)
          ?.reactions.find((r) => r.emoji === '3️⃣' && r.users.length === 2),
      );
      await harness.react('alice', round.id, '✅');

      const result = await harness.waitForMessage(/^🎬/, 'bob', (m) =>
        m.attachments.some((a) => a.kind === 'video'),
      );
      const totalMs = performance.now() - started;
      assert.match(result.text, /seed 43, frame 3 of round 1; votes: 1️⃣ 0 · 2️⃣ 0 · 3️⃣ 2/);
      const mp4 = harness.fileOf(result.attachments.find((a) => a.kind === 'video')!.url);
      const video = probeVideo(mp4);
      assert.equal(video.frames, 16);
      assert.equal(video.codec, 'h264');
      if (artifacts === 's3') {
        // The worker wrote only to the bucket: the posted file is the bot's copy of it.
        const store = harness.stack.artifacts;
        assert.ok(store instanceof S3ArtifactStore);
        const key = path.relative(store.localRoot, mp4).split(path.sep).join('/');
        assert.deepEqual(await store.get(key), readFileSync(mp4));
      }
      // Progress from the worker reached the chat through QueueEvents.
      const progress = harness.seen.join('\n');
      assert.match(progress, /drawing 4 first frames… step [12]\/2/);
      assert.match(progress, /animating frame 3… step [12]\/2/);

      const db = harness.stack.db;
      const generation = await waitFor('the generation marked succeeded', async () => {
        const row = await db.generation.findFirst({
          where: { prompt: 'a big red circle moving right' },
          include: { rounds: { include: { candidates: true, votes: true } } },
        });
        return row?.status === 'succeeded' ? row : undefined;
      });
      assert.equal(generation.videoPath, mp4);
      assert.equal(generation.rounds.length, 1);
      assert.equal(generation.rounds[0]!.candidates.length, 4);
      assert.deepEqual(
        generation.rounds[0]!.votes.map((vote) => vote.choice),
        [3, 3],
      );
      assert.ok(generation.chosenCandidateId, 'the chosen candidate is linked');
      // The video is posted, then the reservation committed.
      await waitFor('the quota committed', async () => {
        const ledger = await db.quotaLedgerEntry.findUnique({ where: { key: generation.id } });
        return ledger?.state === 'committed';
      });
      const jobs = await db.jobRecord.findMany({ where: { generationId: generation.id } });
      assert.deepEqual(jobs.map((job) => job.kind).sort(), ['animation', 'candidates']);
      assert.ok(jobs.every((job) => job.result && !job.error));
      console.log(
        `# ${name}: candidates shown after ${Math.round(candidatesMs)} ms, ` +
          `MP4 posted after ${Math.round(totalMs)} ms (2 steps, tiny model)`,
      );
    });

    test('🔄 from the requester draws a second round with new seeds', async () => {
      await harness.say('gina', '/video a black diamond moving left --seed 500 --steps 1');
      const first = await harness.waitForMessage(/Round 1 for "a black diamond/, 'gina', (m) =>
        m.reactions.some((r) => r.emoji === '4️⃣'),
      );
      await harness.react('gina', first.id, '🔄');
      const second = await harness.waitForMessage(/Round 2 for "a black diamond/, 'gina', (m) =>
        m.reactions.some((r) => r.emoji === '4️⃣'),
      );
      await harness.react('gina', second.id, '4️⃣');
      await harness.react('gina', second.id, '✅');
      const result = await harness.waitForMessage(/^🎬 "a black diamond/, 'gina', (m) =>
        m.attachments.some((a) => a.kind === 'video'),
      );
      assert.match(result.text, /seed 507, frame 4 of round 2/);
      const generation = await harness.stack.db.generation.findFirstOrThrow({
        where: { prompt: { contains: 'black diamond' } },
        include: { rounds: { include: { candidates: true }, orderBy: { number: 'asc' } } },
      });
      assert.deepEqual(
        generation.rounds.map((round) => round.candidates.map((c) => c.seed).sort()),
        [
          [500, 501, 502, 503],
          [504, 505, 506, 507],
        ],
      );
    });

    test('a seed at the top of the range: the same four seeds in the message, the database and the engine', async () => {
      const top = 2_147_483_647; // the contract's MAX_SEED: a PostgreSQL integer
      const expected = [top, 0, 1, 2];
      await harness.say('erin', `/video a red circle moving up --seed ${top} --steps 1`);
      const round = await harness.waitForMessage(/Round 1 for "a red circle moving up/, 'erin');
      assert.match(round.text, /Seeds: 2147483647, 0, 1, 2\./);
      const db = harness.stack.db;
      const generation = await db.generation.findFirstOrThrow({
        where: { prompt: 'a red circle moving up' },
        include: { rounds: { include: { candidates: { orderBy: { number: 'asc' } } } } },
      });
      assert.deepEqual(
        generation.rounds[0]!.candidates.map((candidate) => candidate.seed),
        expected,
      );
      const job = await db.jobRecord.findFirstOrThrow({
        where: { generationId: generation.id, kind: 'candidates' },
      });
      // The seeds the engine reports having drawn with, recorded by the worker.
      assert.deepEqual((JSON.parse(job.result!) as { seeds: number[] }).seeds, expected);
    });

    test('a request the engine refuses fails once and refunds the quota', async () => {
      await harness.say('carol', '/video a small blue square --steps 60');
      const failed = await harness.waitForMessage(/failed/, 'carol');
      assert.match(failed.text, /steps/);
      assert.match(failed.text, /quota was refunded/);
      const db = harness.stack.db;
      const generation = await waitFor('the generation marked failed', async () => {
        const row = await db.generation.findFirst({ where: { prompt: 'a small blue square' } });
        return row?.status === 'failed' ? row : undefined;
      });
      await waitFor('the quota refunded', async () => {
        const ledger = await db.quotaLedgerEntry.findUnique({ where: { key: generation.id } });
        return ledger?.state === 'refunded';
      });
    });

    test('an uploaded first frame is animated without a vote', async () => {
      const png = await sharp({
        create: { width: 64, height: 64, channels: 3, background: '#3050e0' },
      })
        .png()
        .toBuffer();
      await harness.post('/api/command', {
        user: 'erin',
        text: '/video a blue square moving down --seed 9 --steps 2',
        image: { name: 'blue.png', type: 'image/png', data: png.toString('base64') },
      });
      const result = await harness.waitForMessage(/the uploaded image/, 'erin', (m) =>
        m.attachments.some((a) => a.kind === 'video'),
      );
      const mp4 = harness.fileOf(result.attachments.find((a) => a.kind === 'video')!.url);
      assert.equal(probeVideo(mp4).frames, 16);
    });

    test('admins change quotas (audited, refusals too); /quota and /history read Prisma', async () => {
      await harness.say('bob', '/quota set @frank daily 1');
      await harness.waitForMessage(/only workspace admins/, 'bob');
      await harness.say('admin', '/quota set @frank daily 1');
      await harness.waitForMessage(/Done: daily limit of @frank set to 1/, 'admin');
      await harness.say('frank', '/video a white cross --steps 1');
      await harness.waitForMessage(/Round 1 for "a white cross"/, 'frank');
      await harness.say('frank', '/video a gray cross --steps 1');
      await harness.waitForMessage(/Your daily limit of 1 video is used up/, 'frank');
      await harness.say('admin', '/quota grant @frank 2');
      await harness.waitForMessage(/2 extra videos granted to @frank/, 'admin');
      await harness.say('frank', '/quota');
      await harness.waitForMessage(/you, today: 1\/1 used[\s\S]*extra videos granted: 2/, 'frank');
      await harness.say('admin', '/queue');
      await harness.waitForMessage(/Queue: \d+ waiting, \d+ running, \d+ failed/, 'admin');
      await harness.say('frank', '/history');
      await harness.waitForMessage(/a white cross/, 'frank', (m) => m.visibleTo === 'frank');
      // /info reads BullMQ's waiting, running and recently finished jobs.
      await harness.say('frank', '/info');
      await harness.waitForMessage(
        /^Info for frank:\n• your jobs: none queued or running\n• quota: today 2 videos left/,
        'frank',
        (m) => m.visibleTo === 'frank',
      );

      const audit = await harness.stack.db.auditEntry.findMany({ include: { actor: true } });
      assert.deepEqual(
        audit
          .map((entry) =>
            [
              entry.actor.externalId,
              entry.action,
              entry.target,
              (entry.details as { allowed: boolean }).allowed,
            ].join(' '),
          )
          .sort(),
        [
          'admin queue.view queue true',
          'admin quota.grant user:frank true',
          'admin quota.set user:frank true',
          'bob quota.set user:frank false',
        ],
      );
    });

    test('the queue dashboard and metrics are served next to the playground, behind the token', async () => {
      for (const route of ['/metrics', '/admin/queues', '/admin/queues/api/queues']) {
        const refused = await fetch(new URL(route, harness.url));
        assert.equal(refused.status, 401, route);
        assert.match(await refused.text(), /needs the playground token/);
      }
      const wrong = await fetch(new URL('/admin/queues', harness.url), {
        headers: { authorization: 'Bearer test-metrics-token' },
      });
      assert.equal(wrong.status, 401, 'METRICS_TOKEN opens /metrics only');
      const scraped = await fetch(new URL('/metrics', harness.url), {
        headers: { authorization: 'Bearer test-metrics-token' },
      });
      assert.equal(scraped.status, 200, 'Prometheus with METRICS_TOKEN');
      const headers = await harness.web.headers();
      const metrics = await fetch(new URL('/metrics', harness.url), { headers });
      assert.equal(metrics.status, 200);
      assert.match(
        await metrics.text(),
        /firstframe_queue_jobs\{queue="candidates",state="completed"\} [1-9]/,
      );
      const dashboard = await fetch(new URL('/admin/queues', harness.url), { headers });
      assert.equal(dashboard.status, 200);
      assert.match(await dashboard.text(), /<html/i);
      // The job queues and the flow's deadlines, with the deadlines this suite's rounds set.
      const listed = await fetch(new URL('/admin/queues/api/queues', harness.url), { headers });
      const { queues } = (await listed.json()) as {
        queues: { name: string; counts: Record<string, number> }[];
      };
      assert.deepEqual(queues.map((queue) => queue.name).sort(), [
        'animation',
        'candidates',
        'flow-timers',
      ]);
      const deadlines = queues.find((queue) => queue.name === 'flow-timers')!.counts;
      assert.ok(
        Object.values(deadlines).reduce((sum, n) => sum + n, 0) > 0,
        'deadlines are listed',
      );
    });

    test('a name alone is no admin; the admin link makes that browser one', async () => {
      await harness.say('boss', '/queue');
      await harness.waitForMessage(/only workspace admins/, 'boss');
      const { cookie } = await adminLogin(harness.stack.web!.adminUrl, 'chief');
      const queue = await fetch(new URL('/api/command', harness.url), {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ text: '/queue' }),
      });
      assert.equal(queue.status, 200);
      await harness.waitForMessage(/Queue: \d+ waiting/, 'chief');
    });

    test('unknown words are refused with the words the model knows', async () => {
      await harness.say('dave', '/video a purple dragon');
      const refusal = await harness.waitForMessage(/dragon/, 'dave');
      assert.match(refusal.text, /circle/);
      assert.equal(
        await harness.stack.db.generation.count({ where: { prompt: { contains: 'dragon' } } }),
        0,
      );
    });
  });
}
