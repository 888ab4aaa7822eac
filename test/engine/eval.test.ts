// `npm run eval` end to end on the tiny model: prompts from the grammar, the TypeScript engine's
// PNGs and MP4s, the judge's report. (The numbers of a 1 MB model mean nothing; the shape of the
// report and the files behind it are what is checked.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';
import { probeVideo } from './helpers/probe.js';

const dir = mkdtempSync(join(tmpdir(), 'firstframe-eval-'));

interface ScoredItem {
  prompt: string;
  held_out: boolean;
  candidates: string[];
  video: string;
  failures: string[];
}

describe('npm run eval', { skip: missingFixtures() ?? false }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('scores seen and held-out prompts and a 50-step DDIM reference', () => {
    const args = ['--model', TINY_MODEL_DIR, '--count', '2', '--held-out', '1'];
    args.push('--reference-count', '2', '--reference-steps', '3', '--out', dir);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/eval-model.ts', ...args], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    // The tiny model's defaults, as shapes-v8's: DPM-Solver++ first frames, a DDIM-eta video.
    const defaults = 'default: dpmpp_2m \\(first frames\\) / ddim eta 0\\.5 \\(video\\) 15 steps';
    assert.match(report, new RegExp(`\\| ${defaults}, seen \\| 2 \\|`));
    assert.match(report, new RegExp(`\\| ${defaults}, held-out \\| 1 \\|`));
    assert.match(report, /\| ddim-reference: ddim 3 steps, seen \| 2 \|/);

    const scores = JSON.parse(readFileSync(join(dir, 'default', 'scores.json'), 'utf8')) as {
      items: ScoredItem[];
      video: { all: { videos: number } };
    };
    assert.equal(scores.video.all.videos, 3);
    assert.deepEqual(
      scores.items.map((item) => item.held_out),
      [false, false, true],
    );
    for (const item of scores.items) {
      assert.equal(item.candidates.length, 4);
      for (const file of item.candidates) assert.ok(existsSync(join(dir, 'default', file)));
      assert.equal(probeVideo(join(dir, 'default', item.video)).frames, 16);
      assert.ok(Array.isArray(item.failures));
    }
    // The reference run re-draws the same prompts with the same seeds.
    const reference = JSON.parse(
      readFileSync(join(dir, 'ddim-reference', 'manifest.json'), 'utf8'),
    ) as { items: ScoredItem[] };
    assert.deepEqual(
      reference.items.map((item) => item.prompt),
      [scores.items[0]!.prompt, scores.items[1]!.prompt],
    );
  });

  test('--voted animates the candidate the judge votes for and reports it as a run', () => {
    const out = join(dir, 'voted');
    const args = ['--model', TINY_MODEL_DIR, '--count', '3', '--held-out', '1'];
    args.push('--reference-count', '0', '--voted', '--out', out);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/eval-model.ts', ...args], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /\| voted: .*, seen \| 3 \|/);
    const votes = JSON.parse(readFileSync(join(out, 'default', 'votes.json'), 'utf8')) as {
      pick: number;
      failures: number[];
    }[];
    const voted = JSON.parse(readFileSync(join(out, 'voted', 'scores.json'), 'utf8')) as {
      items: (ScoredItem & { pick: number })[];
    };
    assert.equal(voted.items.length, 4);
    // these seeds give both kinds of vote, so both paths below run
    assert.ok(votes.some((v) => v.pick === 1) && votes.some((v) => v.pick !== 1));
    for (const [k, item] of voted.items.entries()) {
      const { pick, failures } = votes[k]!;
      // the fewest failures, the lowest number on a tie
      assert.equal(pick, 1 + failures.indexOf(Math.min(...failures)));
      assert.equal(item.pick, pick);
      // candidate 1's video is the default run's; another pick gets its own video
      if (pick === 1) assert.equal(item.video, `../default/${k}.mp4`);
      else assert.equal(item.video, `${k}_candidate${pick}.mp4`);
      assert.equal(probeVideo(join(out, 'voted', item.video)).frames, 16);
    }
  });

  test('a sweep sets the scheduler, step count and video guidance and is compared with a baseline run', () => {
    const out = join(dir, 'sweep');
    const args = ['--model', TINY_MODEL_DIR, '--count', '2', '--held-out', '1'];
    args.push('--reference-count', '0', '--scheduler', 'euler', '--steps', '4', '--out', out);
    args.push('--baseline', join(dir, 'default', 'scores.json'), '--video-guidance', '2.5');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/eval-model.ts', ...args], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      readFileSync(join(out, 'report.md'), 'utf8'),
      /\| default: euler 4 steps, seen \| 2 \|/,
    );
    assert.ok(!existsSync(join(out, 'ddim-reference')));
    // --video-guidance reaches the video only: the candidates keep the model's guidance.
    const { settings } = JSON.parse(
      readFileSync(join(out, 'default', 'manifest.json'), 'utf8'),
    ) as { settings: { guidance: number; video_guidance: number } };
    assert.equal(settings.video_guidance, 2.5);
    assert.notEqual(settings.guidance, 2.5);
    // Same prompts as the first test's default run, so they are compared prompt by prompt.
    const comparison = readFileSync(join(out, 'comparison.md'), 'utf8');
    assert.match(comparison, /against .* \(3 prompts\)/);
    assert.match(comparison, /Fully right videos: \d -> \d; .*sign test p = [01]\.\d{3}/);
  });
});
