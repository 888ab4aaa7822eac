// The launcher starts processes from a small helper process (cheap forks), feeds them and
// reports how they ended; a dead launcher fails what was in flight and is started again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { launch } from '../../src/engine/ffmpeg-launcher.js';

const dir = mkdtempSync(join(tmpdir(), 'firstframe-launcher-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Pids of this process's children that run the launcher's script. */
function launcherPids(): number[] {
  const rows = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], {
    encoding: 'utf8',
  });
  return rows
    .trim()
    .split('\n')
    .filter((line) => line.includes('ffmpeg-launcher-process.mjs'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

test('a launched process gets the bytes fed to it and its exit is reported', async () => {
  const output = join(dir, 'copy');
  const run = launch('/bin/sh', ['-c', `cat > ${output}`]);
  run.feed(new Uint8Array([1, 2, 3, 250]));
  await run.done;
  assert.deepEqual([...readFileSync(output)], [1, 2, 3, 250]);
});

test('a failing process rejects with its exit code and the end of its stderr', async () => {
  const run = launch('/bin/sh', ['-c', 'echo "no such codec" >&2; exit 3']);
  run.feed(new Uint8Array(0));
  await assert.rejects(run.done, /exit 3\): no such codec/);
});

test('a command that cannot start is named in the error', async () => {
  const run = launch('/nonexistent/ffmpeg', []);
  await assert.rejects(run.done, /could not start \/nonexistent\/ffmpeg/);
});

test('a killed process rejects, as SIGKILL', async () => {
  const run = launch('/bin/sleep', ['30']);
  run.kill();
  await assert.rejects(run.done, /SIGKILL/);
});

test('when the launcher dies, runs in flight fail and the next launch starts a new one', async () => {
  const waiting = launch('/bin/cat', []); // reads until its stdin closes: ends with the launcher
  const [pid] = launcherPids();
  if (!pid) waiting.kill(); // else the test would wait on it forever
  assert.ok(pid, 'the launcher should be a child of this process');
  process.kill(pid, 'SIGKILL');
  await assert.rejects(waiting.done, /the ffmpeg launcher process exited/);
  const next = launch('/bin/sh', ['-c', 'exit 0']);
  next.feed(new Uint8Array(0));
  await next.done;
  assert.notDeepEqual(launcherPids(), [pid]);
});
