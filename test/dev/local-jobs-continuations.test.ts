// The playground's in-process jobs continue a story as the queue does (issue 29): a candidates
// job with `continueFrom` gives four first-new-frame PNGs, an animated GIF preview as its grid,
// and four whole stories (the story's frames, then the new ones) as MP4 and GIF.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { LocalJobs } from '../../src/dev/local-jobs.js';
import { FFMPEG_PATH } from '../../src/engine/video.js';
import type { FlowJob } from '../../src/core/flow/types.js';
import type { JobResult } from '../../src/service/ports.js';
import { sketchFrame } from '../../src/dev/sketch-images.js';
import { probeVideo } from '../engine/helpers/probe.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ff-local-story-'));
const jobs = new LocalJobs({ artifactDir: dir, ffmpegPath: FFMPEG_PATH, stepDelayMs: 0 });
after(() => {
  jobs.stop();
  rmSync(dir, { recursive: true, force: true });
});

function run(job: FlowJob): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const stop = jobs.subscribe((event) => {
      if (event.jobId !== job.jobId || event.type === 'progress') return;
      stop();
      if (event.type === 'completed') resolve(event.result);
      else reject(new Error(event.reason));
    });
    void jobs.enqueue(job);
  });
}

test('a continuation job: four whole stories and a GIF preview', async () => {
  const first = path.join(dir, 'first.png');
  writeFileSync(first, await sketchFrame(5));
  const base = { generationId: 'st1', prompt: 'a red circle', steps: 1 };
  const video = await run({
    ...base,
    kind: 'animation',
    jobId: 'animation-st1',
    imagePath: first,
    seed: 5,
  });
  assert.equal(video.kind, 'animation');
  const story = video.kind === 'animation' ? video.mp4 : '';
  const result = await run({
    ...base,
    kind: 'candidates',
    jobId: 'candidates-st1-r2',
    round: 2,
    seeds: [1, 2, 3, 4],
    continueFrom: { videoPath: story },
  });
  assert.ok(result.kind === 'candidates');
  assert.equal(result.images.length, 4);
  assert.equal(readFileSync(result.grid).subarray(0, 6).toString('latin1'), 'GIF89a');
  assert.equal(probeVideo(result.grid).frames, 15, 'the preview animates the new frames');
  assert.equal(result.videos?.length, 4);
  for (const whole of result.videos!) {
    assert.equal(probeVideo(whole.mp4).frames, 16 + 15, 'the story, then 15 new frames');
    assert.equal(readFileSync(whole.gif).subarray(0, 3).toString('latin1'), 'GIF');
  }
});
