// Saves the image attached to /video locally, so the core can check it and the engine read it;
// the adapter deletes it again when the request is refused.
// A file far over the core's limit is not downloaded: the core refuses it from its size alone.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Attachment } from 'discord.js';
import type { IncomingAttachment } from '../../core/commands/types.js';

export async function downloadAttachment(
  attachment: Attachment,
  folder: string,
  maxBytes: number,
): Promise<IncomingAttachment> {
  const described = {
    name: attachment.name,
    contentType: attachment.contentType ?? 'application/octet-stream',
    sizeBytes: attachment.size,
  };
  if (attachment.size > maxBytes) return { ...described, path: '' };
  const response = await fetch(attachment.url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) {
    throw new Error(`downloading ${attachment.name} failed: HTTP ${response.status}`);
  }
  const data = Buffer.from(await response.arrayBuffer());
  await mkdir(folder, { recursive: true });
  // Our own file name; the user's name is kept for messages only.
  const extension = path
    .extname(attachment.name)
    .toLowerCase()
    .replace(/[^.a-z0-9]/g, '');
  const file = path.join(folder, `${randomUUID()}${extension.slice(0, 6)}`);
  await writeFile(file, data);
  return { ...described, sizeBytes: data.length, path: file, head: data };
}

/** Deletes the files of downloaded attachments (a refused request's). */
export async function removeDownloads(attachments: readonly IncomingAttachment[]): Promise<void> {
  await Promise.all(
    attachments.filter((a) => a.path !== '').map((a) => rm(a.path, { force: true })),
  );
}
