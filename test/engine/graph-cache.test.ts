// onnxruntime's session options (threads that never spin) and the optimised-graph cache: the
// first open writes one file per model file, later opens reuse it, and a changed model file
// gets a fresh one in place of the old.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openSession, sessionOptionsOf } from '../../src/engine/backend.js';
import { defaultGraphCacheDir } from '../../src/engine/graph-cache.js';
import { TINY_MODEL_DIR, missingFixtures } from './helpers/fixtures.js';

const settings = { provider: 'cpu', intraOpThreads: 1, interOpThreads: 1 } as const;

describe('session options', () => {
  test('the intra- and inter-op pools never spin, at any thread count', () => {
    for (const intraOpThreads of [0, 1, 2, 8]) {
      const options = sessionOptionsOf({ ...settings, intraOpThreads });
      assert.equal(options.intraOpNumThreads, intraOpThreads);
      assert.deepEqual(options.extra, {
        session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } },
      });
    }
  });

  test('the default cache folder is the OS cache folder', () => {
    assert.equal(defaultGraphCacheDir({ XDG_CACHE_HOME: '/c' }), '/c/firstframe/ort');
    assert.match(defaultGraphCacheDir({}), /\.cache\/firstframe\/ort$/);
  });
});

describe('optimised-graph cache', { skip: missingFixtures() ?? false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firstframe-graph-cache-'));
  const cacheDir = join(dir, 'cache');
  const model = join(dir, 'model.onnx');
  cpSync(join(TINY_MODEL_DIR, 'vae_decoder', 'model.onnx'), model);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const open = async () => {
    const session = await openSession(model, { ...settings, graphCacheDir: cacheDir });
    await session.release();
    return session;
  };
  const cached = () => readdirSync(cacheDir).map((name) => join(cacheDir, name));

  test('is written once, reused, and replaced when the model file changes', async () => {
    const fresh = await open();
    const [file, ...others] = cached();
    assert.ok(file, 'no cached graph written');
    assert.deepEqual(others, []);
    const written = statSync(file);

    // Reused: the same file, not written again, and a session with the same signature.
    const reused = await open();
    assert.deepEqual(cached(), [file]);
    assert.equal(statSync(file).mtimeMs, written.mtimeMs);
    assert.deepEqual(reused.inputs, fresh.inputs);
    assert.deepEqual(reused.outputs, fresh.outputs);

    // The model file changes (a re-export): a new graph, the old one gone.
    const later = new Date(Date.now() + 60_000);
    utimesSync(model, later, later);
    await open();
    const [replaced, ...rest] = cached();
    assert.deepEqual(rest, []);
    assert.notEqual(replaced, file);
  });

  test('an unreadable cached graph is optimised and written again', async () => {
    const [file] = cached();
    cpSync(join(TINY_MODEL_DIR, 'tokenizer.json'), file!); // not an ONNX file
    await open();
    assert.deepEqual(cached(), [file]);
    assert.notEqual(statSync(file!).size, statSync(join(TINY_MODEL_DIR, 'tokenizer.json')).size);
  });

  test('a cache folder that cannot be made leaves the session uncached', async () => {
    const notAFolder = join(dir, 'file');
    cpSync(join(TINY_MODEL_DIR, 'tokenizer.json'), notAFolder);
    const session = await openSession(model, { ...settings, graphCacheDir: join(notAFolder, 'x') });
    assert.ok(session.inputs.length > 0);
    await session.release();
  });

  test('without a cache folder nothing is written', async () => {
    const session = await openSession(model, settings);
    await session.release();
    assert.deepEqual(cached().length, 1);
  });
});
