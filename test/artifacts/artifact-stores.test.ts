// Both artifact stores keep the same contract: the folder store, and the S3 store against a
// local S3-compatible server (s3rver over HTTP). Local copies of S3 artifacts are
// downloaded once, laid out by key, and never half-written.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import {
  ArtifactNotFoundError,
  type ArtifactStore,
  InvalidArtifactKeyError,
  LocalFolderArtifactStore,
  parseS3Url,
} from '../../src/artifacts/index.js';
import { S3ArtifactStore } from '../../src/artifacts/s3-store.js';
import { loadConfig } from '../../src/config/index.js';
import { artifactStoreOf } from '../../src/wiring/engine-worker.js';
import { startS3Server, type TestS3Server } from '../helpers/s3-server.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ff-stores-'));
let s3: TestS3Server;
before(async () => {
  s3 = await startS3Server();
});
after(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

const stores: Record<string, () => Promise<ArtifactStore>> = {
  folder: async () => new LocalFolderArtifactStore(path.join(dir, 'folder')),
  s3: () =>
    artifactStoreOf(
      loadConfig({
        env: { DATA_DIR: path.join(dir, 's3-data'), ...s3.env('run-1') },
        envFile: null,
      }),
    ),
};

for (const [name, open] of Object.entries(stores)) {
  describe(`the ${name} artifact store`, () => {
    test('put, get, exists, replace and delete under a nested key', async () => {
      const store = await open();
      const key = 'generations/g1/round-1/grid.png';
      assert.equal(await store.exists(key), false);
      await assert.rejects(store.get(key), ArtifactNotFoundError);
      await store.put(key, Buffer.from('first'));
      await store.put(key, Buffer.from('second'));
      assert.equal((await store.get(key)).toString(), 'second');
      assert.equal(await store.exists(key), true);
      await store.delete(key);
      assert.equal(await store.exists(key), false);
      await assert.rejects(store.get(key), ArtifactNotFoundError);
    });

    test('a local copy holds the bytes at <localRoot>/<key>', async () => {
      const store = await open();
      const key = 'generations/g2/video.mp4';
      const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
      await store.put(key, bytes);
      const copies = await Promise.all([store.localCopy(key), store.localCopy(key)]);
      assert.equal(copies[0], path.join(store.localRoot, 'generations', 'g2', 'video.mp4'));
      assert.equal(copies[1], copies[0]);
      assert.deepEqual(readFileSync(copies[0]!), bytes);
      assert.deepEqual(readdirSync(path.dirname(copies[0]!)), ['video.mp4'], 'no temp files');
      await assert.rejects(store.localCopy('generations/g2/missing.gif'), ArtifactNotFoundError);
      assert.equal(existsSync(path.join(store.localRoot, 'generations/g2/missing.gif')), false);
    });

    test('keys that could leave the store are refused with what is allowed', async () => {
      const store = await open();
      for (const key of ['../escape.png', '/etc/passwd', 'a/../../b', 'a//b', '.hidden', 'a\\b']) {
        await assert.rejects(
          store.put(key, Buffer.from('x')),
          (error: Error) =>
            error instanceof InvalidArtifactKeyError && /relative paths/.test(error.message),
          key,
        );
      }
    });
  });
}

test('the S3 store writes under its prefix in the bucket, and only there', async () => {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const a = new S3ArtifactStore({ bucket: s3.bucket, prefix: 'a', client, localRoot: dir });
  const b = new S3ArtifactStore({ bucket: s3.bucket, prefix: 'b/c', client, localRoot: dir });
  await a.put('same/key.png', Buffer.from('from a'));
  assert.equal(await b.exists('same/key.png'), false, 'another prefix is another store');
  await b.put('same/key.png', Buffer.from('from b'));
  assert.equal((await a.get('same/key.png')).toString(), 'from a');
  assert.equal((await b.get('same/key.png')).toString(), 'from b');
  client.destroy();
});

test('the configured credentials are the ones sent: an unknown key is refused', async () => {
  // (s3rver checks the access key, not the SigV4 signature itself.)
  const store = await artifactStoreOf(
    loadConfig({
      env: { DATA_DIR: dir, ...s3.env('x'), S3_ACCESS_KEY_ID: 'NOBODY' },
      envFile: null,
    }),
  );
  await assert.rejects(store.put('k.png', Buffer.from('x')), /Access Key Id/i);
});

test('ARTIFACTS_URL: an s3:// URL with a bucket, or a clear message', () => {
  assert.deepEqual(parseS3Url('s3://my-bucket/videos/prod/'), {
    bucket: 'my-bucket',
    prefix: 'videos/prod',
  });
  assert.deepEqual(parseS3Url('s3://my-bucket'), { bucket: 'my-bucket', prefix: '' });
  assert.match(String(parseS3Url('https://my-bucket')), /expected s3:\/\/<bucket>/);
  assert.match(String(parseS3Url('s3://b/../x')), /prefix/);
  assert.throws(
    () => loadConfig({ env: { ARTIFACTS_URL: 'file:///tmp/x' }, envFile: null }),
    /ARTIFACTS_URL \(file:\/\/\/tmp\/x\): expected s3:\/\/<bucket>/,
  );
});
