// A `/video` without --steps or --scheduler is drawn with the model's own defaults, which
// differ per stage (the shipped model: more steps for the first frames than for the video).
// The bot used to send its own 15 steps and dpmpp_2m with every job, so the model's defaults
// never applied. Here the tiny model is copied with distinct defaults per stage, and the
// progress the worker reports shows which step counts the engine really ran.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TINY_MODEL_DIR } from '../../src/wiring/model.js';
import { StackHarness } from './stack-harness.js';

describe('a /video without sampling options', { timeout: 240_000 }, () => {
  const modelDir = mkdtempSync(path.join(tmpdir(), 'ff-model-defaults-'));
  cpSync(TINY_MODEL_DIR, modelDir, { recursive: true });
  const indexFile = path.join(modelDir, 'model_index.json');
  const index = JSON.parse(readFileSync(indexFile, 'utf8'));
  index.defaults = {
    ...index.defaults,
    scheduler: 'ddim',
    num_inference_steps: 2,
    image_num_inference_steps: 3,
  };
  writeFileSync(indexFile, JSON.stringify(index, null, 2));
  const harness = new StackHarness('sqlite', {}, { MODEL_DIR: modelDir });
  before(() => harness.start());
  after(async () => {
    await harness.cleanup();
    rmSync(modelDir, { recursive: true, force: true });
  });

  test("runs the model's step count per stage, and stores only what the user chose", async () => {
    await harness.say('alice', '/video a big red circle moving right --seed 41');
    const round = await harness.waitForMessage(/Round 1 for "a big red circle/, 'alice', (m) =>
      m.reactions.some((r) => r.emoji === '4️⃣'),
    );
    await harness.react('alice', round.id, '2️⃣');
    await harness.react('alice', round.id, '✅');
    await harness.waitForMessage(/^🎬/, 'alice', (m) =>
      m.attachments.some((a) => a.kind === 'video'),
    );
    const progress = harness.seen.join('\n');
    assert.match(progress, /drawing 4 first frames… step 3\/3/);
    assert.match(progress, /animating frame 2… step 2\/2/);
    assert.doesNotMatch(progress, /step \d+\/15/, 'no step count of the bot’s own');

    const generation = await harness.stack.db.generation.findFirst({
      where: { prompt: 'a big red circle moving right' },
    });
    assert.deepEqual(generation?.options, {}, 'no sampling option was chosen');
  });
});
