import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  ArtifactNotFoundError,
  InvalidArtifactKeyError,
  LocalFolderArtifactStore,
} from '../../src/artifacts/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'ff-artifacts-'));
after(() => rmSync(root, { recursive: true, force: true }));
const store = new LocalFolderArtifactStore(root);

test('put, get, exists, replace and delete under a nested key', async () => {
  const key = 'generations/g1/round-1/grid.png';
  assert.equal(await store.exists(key), false);
  await store.put(key, Buffer.from('first'));
  await store.put(key, Buffer.from('second'));
  assert.equal((await store.get(key)).toString(), 'second');
  assert.equal(await store.exists(key), true);
  assert.deepEqual(
    readdirSync(path.join(root, 'generations/g1/round-1')),
    ['grid.png'],
    'no temp files left',
  );
  await store.delete(key);
  await assert.rejects(store.get(key), ArtifactNotFoundError);
});

test('keys that could leave the folder are refused with what is allowed', async () => {
  for (const key of ['../escape.png', '/etc/passwd', 'a/../../b', 'a//b', '.hidden', 'a\\b']) {
    await assert.rejects(
      store.put(key, Buffer.from('x')),
      (error: Error) =>
        error instanceof InvalidArtifactKeyError && /relative paths/.test(error.message),
      key,
    );
  }
});
