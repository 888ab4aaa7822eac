// What users read when a job finally fails on our side: the project's own words, never a path,
// an OS error code or a library's message (those go to the log).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalFolderArtifactStore } from '../../src/artifacts/index.js';
import { EngineThreadError } from '../../src/engine/thread-host.js';
import type { Logger } from '../../src/log.js';
import { serverTrouble, userReason } from '../../src/queue/failure.js';
import { silentLog } from '../helpers/silent-log.js';
import { createSetup, type LocalWorker, startLocalWorker, waitFor } from './helpers.js';

/** A real fs error with its errno code, as Node throws it. */
function systemError(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: failed, ${syscall} '${file}'`);
  error.code = code;
  error.syscall = syscall;
  error.path = file;
  return error;
}

const DISK = /the server's disk is full or read-only; an operator has been told/;
const LEAKS = /\/tmp|\/work|\/var|E[A-Z]{3,}|mkdir|open '|syscall/;

describe('userReason on our side', () => {
  test('disk errors (EACCES, EROFS, ENOSPC, EDQUOT, ENOTDIR) read as a disk problem', () => {
    for (const code of ['EACCES', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'ENOENT']) {
      const reason = userReason('animation', systemError(code, 'mkdir', '/var/data/artifacts/x'), {
        made: 3,
        allowed: 3,
      });
      assert.match(reason, DISK, code);
      assert.doesNotMatch(reason, LEAKS, code);
    }
    // From the engine thread an error arrives without its code, but with Node's message.
    assert.match(serverTrouble(new Error("ENOSPC: no space left on device, write '/tmp/a'")), DISK);
  });

  test('out of memory, ffmpeg, and an engine thread crash each say what happened', () => {
    assert.equal(
      serverTrouble(new Error('the GPU ran out of memory')),
      'the server ran out of memory',
    );
    const oom = Object.assign(new Error('Worker terminated due to reaching memory limit'), {
      code: 'ERR_WORKER_OUT_OF_MEMORY',
    });
    assert.equal(serverTrouble(oom), 'the server ran out of memory');
    assert.match(
      serverTrouble(
        new Error('ffmpeg failed: Command failed\n/tmp/x/frames-%03d.png: No such file'),
      ),
      /^the video encoder \(ffmpeg\) failed on the server/,
    );
    assert.equal(
      serverTrouble(new EngineThreadError('the engine thread exited (code 1): boom at /work/x.js')),
      'the generation engine crashed on the server',
    );
    const unknown = serverTrouble(new Error("Cannot read properties of undefined (reading 'x')"));
    assert.equal(unknown, 'something went wrong on the server; an operator has been told');
  });
});

describe('a worker whose artifacts folder cannot be written', () => {
  const setup = createSetup({ attempts: 2, backoffMs: 20 });
  // A folder under a regular file: every mkdir there fails with a real ENOTDIR.
  const blocker = path.join(setup.dir, 'not-a-folder');
  writeFileSync(blocker, 'a file');
  const brokenRoot = path.join(blocker, 'artifacts');
  const logged: unknown[] = [];
  // The silent logger, with its warnings kept for the test to read.
  const log: Logger = Object.create(silentLog) as Logger;
  log.warn = ((fields: unknown) => void logged.push(fields)) as Logger['warn'];
  let local: LocalWorker;

  before(async () => {
    const artifacts = new LocalFolderArtifactStore(brokenRoot);
    local = await startLocalWorker(
      setup,
      { logDir: setup.logDir, stepMs: 1, steps: 2 },
      { artifacts, log },
    );
  });

  after(async () => {
    await local.close();
    await setup.cleanup();
  });

  test('the job fails with a readable reason, no path, the quota refunded, the raw error logged', async () => {
    setup.store.reserveQuota('diskgen');
    const heard = new Promise<string>((resolve) =>
      local.events.on(
        'failed',
        ({ jobId, reason }) => jobId === 'candidates-diskgen-r1' && resolve(reason),
      ),
    );
    const { jobId } = await setup.producer.enqueueCandidates({
      generationId: 'diskgen',
      round: 1,
      prompt: 'a red circle',
      seeds: [1, 2, 3, 4],
      quota: { key: 'diskgen', commitOnSuccess: false },
    });
    const reason = await heard;
    for (const text of [reason, ...setup.store.failuresOf(jobId)]) {
      assert.match(text, /^Making the first-frame candidates failed \(tried 2 times\): /);
      assert.match(text, DISK);
      assert.doesNotMatch(text, LEAKS);
      assert.ok(!text.includes(setup.dir), 'no path of ours');
    }
    const job = await setup.producer.queues.candidates.getJob(jobId);
    assert.equal(job?.failedReason, reason, 'BullMQ keeps the same words');
    assert.deepEqual(setup.store.quotaEvents('diskgen'), ['refunded']);
    await waitFor('the raw error in the log', () =>
      logged.some((fields) => {
        const err = (fields as { err?: NodeJS.ErrnoException }).err;
        return err?.code === 'ENOTDIR' && String(err.path).startsWith(blocker);
      }),
    );
  });
});
