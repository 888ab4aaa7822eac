// The CLI as a user runs it: a real MP4 from a prompt with the tiny model, and a clear
// message with exit code 2 for bad input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MASKED_MODEL_DIR, TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';
import { probeVideo } from './helpers/probe.js';

const CLI = 'src/bin/firstframe.mjs';
const dir = mkdtempSync(join(tmpdir(), 'firstframe-cli-'));

function firstframe(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

const NO_WORKER_THREADS = 'test/engine/helpers/no-worker-threads.mjs';

describe('firstframe CLI', { skip: missingFixtures() ?? false }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('generate writes a 16-frame MP4, a GIF and the candidate grid', () => {
    const output = join(dir, 'clip.mp4');
    const run = firstframe(
      'generate',
      'a red circle moving right on a black background',
      '--model',
      TINY_MODEL_DIR,
      '--steps',
      '2',
      '--seed',
      '7',
      '--pick',
      '2',
      '--threads',
      '1',
      '-o',
      output,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /video +\[#+\] 2\/2/);
    assert.match(run.stderr, /seeds 7, 8, 9, 10\); animating 2/);
    for (const file of ['clip.gif', 'clip.grid.png', 'clip.frame.png']) {
      assert.ok(existsSync(join(dir, file)), `${file} missing`);
    }
    assert.equal(probeVideo(output).frames, 16);
  });

  test('runs the engine in its own thread, with the optimised graphs cached', () => {
    const cache = join(dir, 'cache');
    const run = () =>
      spawnSync(
        process.execPath,
        [
          '--import',
          `./${NO_WORKER_THREADS}`,
          CLI,
          'generate',
          'a red circle',
          '--model',
          TINY_MODEL_DIR,
          '--steps',
          '1',
          '--verbose',
          '-o',
          join(dir, 'inline.mp4'),
        ],
        { encoding: 'utf8', timeout: 120_000, env: { ...process.env, XDG_CACHE_HOME: cache } },
      );
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /ms since start\] engine ready\n/);
    assert.match(first.stderr, /ms since start\] first candidates step done\n/);
    const graphs = readdirSync(join(cache, 'firstframe', 'ort')).sort();
    // One per component of the tiny model.
    assert.equal(graphs.length, 5, graphs.join(', '));
    const second = run();
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual(readdirSync(join(cache, 'firstframe', 'ort')).sort(), graphs);
  });

  test(
    'generate --interpolate, then extend that video',
    { skip: missingFixtures('masked') ?? false },
    () => {
      const clip = join(dir, 'smooth.mp4');
      const fast = ['--model', MASKED_MODEL_DIR, '--steps', '1', '--seed', '4', '--threads', '1'];
      const made = firstframe(
        'generate',
        'a red circle moving right',
        ...fast,
        '--interpolate',
        '-o',
        clip,
      );
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stderr, /wrote .*smooth\.mp4 \(31 frames at 16 fps/);
      assert.equal(probeVideo(clip).frames, 31);
      const longer = join(dir, 'longer.mp4');
      const extended = firstframe(
        'extend',
        clip,
        'a red circle moving left',
        ...fast,
        '--context',
        '8',
        '-o',
        longer,
      );
      assert.equal(extended.status, 0, extended.stderr);
      assert.match(
        extended.stderr,
        /\(39 frames: 31 of .*smooth\.mp4 \+ 8 new after its last 8, at 8 fps\)/,
      );
      assert.equal(probeVideo(longer).frames, 39);
      assert.ok(existsSync(join(dir, 'longer.gif')));
    },
  );

  test('bad input exits with code 2 and says what is allowed', () => {
    const unknown = firstframe('generate', 'a red dragon', '--model', TINY_MODEL_DIR);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /does not know "dragon" \(known words: .*circle/);
    // --negative reaches the engine, which checks its words like the prompt's.
    const negative = firstframe(
      'generate',
      'a red circle',
      '--negative',
      'blue dragon',
      '--model',
      TINY_MODEL_DIR,
    );
    assert.equal(negative.status, 2);
    assert.match(negative.stderr, /negative prompt has words the model does not know: "dragon"/);
    const steps = firstframe(
      'generate',
      'a red circle',
      '--steps',
      'many',
      '--model',
      TINY_MODEL_DIR,
    );
    assert.equal(steps.status, 2);
    assert.match(steps.stderr, /--steps must be a number, got "many"/);
    const command = firstframe('render');
    assert.equal(command.status, 2);
    assert.match(command.stderr, /unknown command "render"; allowed: generate, extend/);
    const interpolate = firstframe(
      'generate',
      'a red circle',
      '--interpolate',
      '--model',
      TINY_MODEL_DIR,
      '-o',
      join(dir, 'refused.mp4'),
    );
    assert.equal(interpolate.status, 2);
    assert.ok(!existsSync(join(dir, 'refused.grid.png')), 'refused before drawing first frames');
    assert.match(
      interpolate.stderr,
      /interpolation needs a video model trained for it .* takes only: first \(image-to-video\)/,
    );
    const missing = firstframe(
      'extend',
      join(dir, 'none.mp4'),
      'a red circle',
      '--model',
      TINY_MODEL_DIR,
    );
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read .*none\.mp4 \(ENOENT\)/);
    // k > 1 refused for the model before the file is read as a video (any file will do).
    const plainModel = firstframe(
      'extend',
      join(TINY_MODEL_DIR, 'README.md'),
      'a red circle',
      '--context',
      '2',
      '--model',
      TINY_MODEL_DIR,
    );
    assert.equal(plainModel.status, 2);
    assert.match(plainModel.stderr, /continuation needs a video model trained for it/);
    const usage = firstframe('extend', 'only-one-argument');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /give the video file and one quoted caption/);
  });
});
