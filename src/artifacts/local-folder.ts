// The default artifact store: files under one folder (DATA_DIR/artifacts). Writes go to a
// temporary file first and are renamed into place (writeFileAtomically), so a reader never
// sees half a file even when a worker dies mid-write.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactNotFoundError, type ArtifactStore, checkArtifactKey } from './artifact-store.js';

export class LocalFolderArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get localRoot(): string {
    return this.root;
  }

  /** Absolute path of the file behind `key` (for uploads that want a path). */
  pathOf(key: string): string {
    return localPathOf(this.root, key);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    await writeFileAtomically(this.pathOf(key), data);
  }

  async localCopy(key: string): Promise<string> {
    if (!(await this.exists(key))) {
      throw new ArtifactNotFoundError(`no artifact under ${JSON.stringify(key)}`);
    }
    return this.pathOf(key);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ArtifactNotFoundError(`no artifact under ${JSON.stringify(key)}`);
      }
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

/** `<root>/<key>` after checking the key. */
export function localPathOf(root: string, key: string): string {
  checkArtifactKey(key);
  return path.join(root, ...key.split('/'));
}

/** Writes to a temporary file beside `file`, then renames it into place. */
export async function writeFileAtomically(file: string, data: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.partial`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
