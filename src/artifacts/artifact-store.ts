// Where generated files (candidate PNGs, grids, MP4s, GIFs, uploaded images) live. Keys are
// relative, slash-separated paths such as `generations/<id>/round-1/grid.png`. The local-folder
// store is the default; `S3ArtifactStore` keeps them in any S3-compatible object store, so
// workers and bot processes on other machines share them.
export interface ArtifactStore {
  /** Writes the bytes under `key`, replacing what was there (a retried job rewrites). */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Reads the bytes; throws ArtifactNotFoundError when there is nothing under `key`. */
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** The folder local copies live in, laid out by key (`<localRoot>/<key>`): chat uploads are
   * written under it, and a file under it maps back to its key. */
  readonly localRoot: string;
  /** A local file holding the bytes under `key`, for what wants a path (chat uploads, the
   * playground): the file itself in the folder store, a cached download in an object store. */
  localCopy(key: string): Promise<string>;
}

export class ArtifactNotFoundError extends Error {
  override name = 'ArtifactNotFoundError';
}

export class InvalidArtifactKeyError extends Error {
  override name = 'InvalidArtifactKeyError';
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws unless `key` is a relative path of plain segments (no `..`, no leading `/`). */
export function checkArtifactKey(key: string): void {
  const segments = key.split('/');
  const ok = key.length <= 500 && segments.every((s) => SEGMENT.test(s) && !s.includes('..'));
  if (!ok) {
    throw new InvalidArtifactKeyError(
      `invalid artifact key ${JSON.stringify(key)}: use relative paths of segments made of ` +
        'letters, digits, . _ - (not starting with . or -, no "..", at most 500 characters)',
    );
  }
}
