// Checks that the native parts we depend on load on this machine without any download:
// SQLite (better-sqlite3), the static ffmpeg from @ffmpeg-installer and onnxruntime-node's CPU backend.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import Database from 'better-sqlite3';
import * as ort from 'onnxruntime-node';

test('better-sqlite3 opens an in-memory database and runs SQL', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (n INTEGER)');
  db.prepare('INSERT INTO t (n) VALUES (?), (?)').run(2, 40);
  assert.deepEqual(db.prepare('SELECT SUM(n) AS total FROM t').get(), { total: 42 });
  db.close();
});

test('the bundled ffmpeg runs and has the H.264 encoder', () => {
  const encoders = execFileSync(ffmpegInstaller.path, ['-hide_banner', '-encoders'], {
    encoding: 'utf8',
  });
  assert.match(encoders, /libx264/);
});

test('onnxruntime-node offers the CPU execution provider', () => {
  const backends = ort.listSupportedBackends();
  assert.ok(
    backends.some((b) => b.name === 'cpu'),
    `backends: ${JSON.stringify(backends)}`,
  );
});
