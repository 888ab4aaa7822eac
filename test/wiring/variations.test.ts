// 🔀 variations on the real stack (the playground's HTTP API, the bot service, BullMQ, the ONNX
// engine with the tiny model, Prisma on SQLite), with rounds that cost quota: a 🔀 before any
// frame vote is refused to its sender alone; the requester's 🔀 after a vote for frame 3 closes
// round 1, reserves round 2's quota and draws round 2 as variations of frame 3: the very
// pixels the engine makes from that candidate at the default strength with round 2's seeds,
// not a fresh round's. Round 2 is voted on like any round and its winner animated; both
// reservations are committed with the video.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createEngine } from '../../src/adapters/onnx/onnx-engine.js';
import { DEFAULT_VARIATION_STRENGTH } from '../../src/core/contract.js';
import type { GenerationEngine } from '../../src/queue/engine-port.js';
import { TINY_MODEL_DIR } from '../../src/wiring/model.js';
import { StackHarness, waitFor } from './stack-harness.js';

const harness = new StackHarness('sqlite', {}, { REGENERATE_COSTS_QUOTA: 'true' });
let engine: GenerationEngine;

before(async () => {
  await harness.start();
  engine = await createEngine({ modelDir: TINY_MODEL_DIR, threads: 1 });
});

after(async () => {
  await engine?.close();
  await harness.cleanup();
});

const PROMPT = 'a black diamond moving left';

test(
  '🔀 draws round 2 as variations of the leading frame, voted on and animated',
  { timeout: 180_000 },
  async () => {
    await harness.say('gina', `/video ${PROMPT} --seed 500 --steps 2`);
    const first = await harness.waitForMessage(/Round 1 for "a black diamond/, 'gina', (m) =>
      m.reactions.some((r) => r.emoji === '🔀'),
    );

    // Before any frame vote: refused to bob alone, nothing counted.
    await harness.react('bob', first.id, '🔀');
    await harness.waitForMessage(/Vote for a frame first .*🔀 asks for variations/, 'bob');
    assert.ok(
      !harness.messages('gina').some((m) => /Vote for a frame first/.test(m.text)),
      'the note is for bob only',
    );

    await harness.react('bob', first.id, '3️⃣');
    await waitFor('bob’s vote for 3️⃣', () =>
      harness
        .messages('gina')
        .find((m) => m.id === first.id)
        ?.reactions.some((r) => r.emoji === '3️⃣' && r.users.length === 1),
    );
    await harness.react('gina', first.id, '🔀');
    const second = await harness.waitForMessage(
      /Round 2 for "a black diamond moving left" \(variations of frame 3 of round 1\)/,
      'gina',
      (m) => m.reactions.some((r) => r.emoji === '4️⃣'),
      90_000,
    );
    assert.match(second.text, /Seeds: 504, 505, 506, 507\./);
    await harness.waitForMessage(
      /Round 1 for .* closed: gina asked for variations of frame 3/,
      'gina',
    );

    // Round 2's candidates are the engine's variations of round 1's frame 3, not fresh ones.
    const db = harness.stack.db;
    const generation = await db.generation.findFirstOrThrow({
      where: { prompt: PROMPT },
      include: {
        rounds: {
          include: { candidates: { orderBy: { number: 'asc' } } },
          orderBy: { number: 'asc' },
        },
      },
    });
    const [round1, round2] = generation.rounds;
    const source = readFileSync(round1!.candidates[2]!.imagePath);
    const request = { prompt: PROMPT, steps: 2, seeds: [504, 505, 506, 507] };
    const expected = await engine.generateCandidates({
      ...request,
      init: { image: source, strength: DEFAULT_VARIATION_STRENGTH },
    });
    const fresh = await engine.generateCandidates(request);
    round2!.candidates.forEach((candidate, i) => {
      const posted = readFileSync(candidate.imagePath);
      assert.ok(posted.equals(Buffer.from(expected.candidates[i]!)), `variation ${i + 1}`);
      assert.ok(!posted.equals(Buffer.from(fresh.candidates[i]!)), `${i + 1} is not fresh`);
    });

    await harness.react('gina', second.id, '2️⃣');
    await harness.react('gina', second.id, '✅');
    const result = await harness.waitForMessage(
      /^🎬 "a black diamond/,
      'gina',
      (m) => m.attachments.some((a) => a.kind === 'video'),
      90_000,
    );
    assert.match(result.text, /seed 505, frame 2 of round 2/);
    await waitFor('both reservations committed', async () => {
      const ledger = await db.quotaLedgerEntry.findMany({
        where: { key: { in: [generation.id, `${generation.id}-round-2`] } },
      });
      return ledger.length === 2 && ledger.every((entry) => entry.state === 'committed');
    });
    const jobs = await db.jobRecord.findMany({ where: { generationId: generation.id } });
    assert.deepEqual(jobs.map((job) => job.jobId).sort(), [
      `animation-${generation.id}`,
      `candidates-${generation.id}-r1`,
      `candidates-${generation.id}-r2`,
    ]);
  },
);
