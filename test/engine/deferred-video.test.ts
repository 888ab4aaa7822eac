// deferVideoSessions (the CLI's): loadEngine opens only the image components, so the first
// frames never wait for the video's; the video components open on the first animate().
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadEngine } from '../../src/engine/index.js';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';

describe('deferred video sessions', { skip: missingFixtures() ?? false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firstframe-deferred-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A model whose video U-Net cannot be opened: it shows when each session is opened.
  cpSync(TINY_MODEL_DIR, dir, { recursive: true });
  writeFileSync(join(dir, 'unet_video', 'model.onnx'), 'not an ONNX file');
  const options = { useWorker: false, intraOpThreads: 1 } as const;

  test('opens the video U-Net at load by default', async () => {
    await assert.rejects(loadEngine(dir, options));
  });

  test('with deferVideoSessions, at the first animate()', async () => {
    const engine = await loadEngine(dir, { ...options, deferVideoSessions: true });
    try {
      const { candidates } = await engine.generateCandidates({ prompt: 'a red circle', steps: 1 });
      const animate = () => engine.animate({ prompt: 'a red circle', image: candidates[0]!.png });
      await assert.rejects(animate());
      await assert.rejects(animate(), 'a failed open is tried again, not cached');
    } finally {
      await engine.close();
    }
  });

  test('with deferVideoSessions, a sound model animates', async () => {
    const engine = await loadEngine(TINY_MODEL_DIR, { ...options, deferVideoSessions: true });
    try {
      const { candidates } = await engine.generateCandidates({ prompt: 'a red circle', steps: 1 });
      const video = await engine.animate({
        prompt: 'a red circle',
        image: candidates[0]!.png,
        steps: 1,
      });
      assert.equal(video.frames, 16);
    } finally {
      await engine.close();
    }
  });
});
