// Artifacts in an S3-compatible object store (AWS S3, MinIO, Cloudflare R2, ...), so workers
// and bot processes on different machines share them (ARTIFACTS_URL=s3://bucket/prefix).
// Workers put and get; bot processes read through `localCopy`, which downloads once into a
// local folder laid out like the folder store, for the chat uploads and the playground.
import { rm, stat } from 'node:fs/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ArtifactNotFoundError, type ArtifactStore, checkArtifactKey } from './artifact-store.js';
import { localPathOf, writeFileAtomically } from './local-folder.js';
import type { S3Location } from './s3-url.js';

export interface S3ArtifactStoreOptions extends S3Location {
  client: S3Client;
  /** Local copies (see ArtifactStore.localCopy), laid out by key. */
  localRoot: string;
}

export class S3ArtifactStore implements ArtifactStore {
  readonly localRoot: string;
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(private readonly options: S3ArtifactStoreOptions) {
    this.localRoot = options.localRoot;
  }

  private objectKey(key: string): { Bucket: string; Key: string } {
    checkArtifactKey(key);
    const { bucket, prefix } = this.options;
    return { Bucket: bucket, Key: prefix === '' ? key : `${prefix}/${key}` };
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    await this.options.client.send(new PutObjectCommand({ ...this.objectKey(key), Body: data }));
  }

  async get(key: string): Promise<Buffer> {
    try {
      const object = await this.options.client.send(new GetObjectCommand(this.objectKey(key)));
      if (!object.Body) throw new ArtifactNotFoundError(`no artifact under ${JSON.stringify(key)}`);
      return Buffer.from(await object.Body.transformToByteArray());
    } catch (error) {
      if (isNotFound(error))
        throw new ArtifactNotFoundError(`no artifact under ${JSON.stringify(key)}`);
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.options.client.send(new HeadObjectCommand(this.objectKey(key)));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.options.client.send(new DeleteObjectCommand(this.objectKey(key)));
    await rm(localPathOf(this.localRoot, key), { force: true });
  }

  /** Downloads once; artifacts are written once per key (a retried job writes the same bytes),
   * so a local copy never goes stale. Concurrent callers share one download. */
  localCopy(key: string): Promise<string> {
    const file = localPathOf(this.localRoot, key);
    let download = this.downloads.get(file);
    if (!download) {
      download = this.download(key, file).finally(() => this.downloads.delete(file));
      this.downloads.set(file, download);
    }
    return download;
  }

  private async download(key: string, file: string): Promise<string> {
    const present = await stat(file).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!present) await writeFileAtomically(file, await this.get(key));
    return file;
  }
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}
