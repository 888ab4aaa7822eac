// `npm run worker` as its own process next to a bot that runs none: they share Redis (one
// prefix), the database and the data folder. The worker makes the frames and the video; on
// SIGTERM it exits with code 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { probeVideo } from '../engine/helpers/probe.js';
import { StackHarness, waitFor } from './stack-harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const harness = new StackHarness('sqlite', {}, {}, false);
before(() => harness.start());
after(() => harness.cleanup());

test(
  'a separate worker process makes the video; SIGTERM stops it cleanly',
  { timeout: 180_000 },
  async () => {
    const worker = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src/bin/worker.ts')],
      { cwd: harness.dir, env: { PATH: process.env.PATH, ...harness.settings, LOG_LEVEL: 'info' } },
    );
    let output = '';
    worker.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker.on('exit', resolve));
    try {
      await waitFor('the worker to be ready', () => /worker ready/.test(output), 60_000);
      await harness.say('alice', '/video a pink square moving up --seed 12 --steps 2');
      const round = await harness.waitForMessage(/Round 1 for/, 'alice', (m) =>
        m.reactions.some((r) => r.emoji === '4️⃣'),
      );
      await harness.react('alice', round.id, '1️⃣');
      await harness.react('alice', round.id, '✅');
      const result = await harness.waitForMessage(/^🎬/, 'alice', (m) =>
        m.attachments.some((a) => a.kind === 'video'),
      );
      const mp4 = harness.fileOf(result.attachments.find((a) => a.kind === 'video')!.url);
      assert.equal(probeVideo(mp4).frames, 16);
    } finally {
      worker.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
  },
);
