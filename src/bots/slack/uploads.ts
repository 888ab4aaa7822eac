// Posting local files to Slack with the current upload API (WebClient.filesUploadV2:
// files.getUploadURLExternal → upload to the returned URL → files.completeUploadExternal),
// into a channel or a thread, with the message text as the initial comment.
//
// Slack shares the file into the channel asynchronously, so the completion usually does not
// say which message holds it. The message's `ts` is what reactions point at (votes on the
// grid), so we look for it in the file's `shares`, asking files.info a few times (scope
// files:read) until the share appears.
import path from 'node:path';
import type { webApi } from '@slack/bolt';
import type { FlowAttachment } from '../../core/flow/types.js';
import type { Logger } from '../../log.js';

export interface ThreadUpload {
  channel: string;
  threadTs?: string;
  text: string;
  files: FlowAttachment[];
}

export interface UploadResult {
  fileIds: string[];
  /** The message that shows the files, when Slack said which one. */
  ts?: string;
}

interface FileShare {
  ts?: string;
}
interface SharedFile {
  id?: string;
  shares?: { public?: Record<string, FileShare[]>; private?: Record<string, FileShare[]> };
}

/** Waits between files.info attempts (ms); about 5 s in all. */
const SHARE_POLL_DELAYS = [250, 500, 1000, 1500, 2000];

export async function uploadToThread(
  client: webApi.WebClient,
  log: Logger,
  upload: ThreadUpload,
  pollDelays: readonly number[] = SHARE_POLL_DELAYS,
): Promise<UploadResult> {
  const response = await client.filesUploadV2({
    channel_id: upload.channel,
    ...(upload.threadTs ? { thread_ts: upload.threadTs } : {}),
    initial_comment: upload.text,
    file_uploads: upload.files.map((file) => ({
      file: file.path,
      filename: path.basename(file.path),
    })),
  });
  const completed = (response.files as { files?: SharedFile[] }[]).flatMap(
    (part) => part.files ?? [],
  );
  const fileIds = completed.map((file) => file.id).filter((id): id is string => Boolean(id));
  const first = fileIds[0];
  let ts = completed.map((file) => shareTs(file, upload.channel)).find(Boolean);
  for (const delay of first && !ts ? pollDelays : []) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      const info = await client.files.info({ file: first as string });
      ts = shareTs(info.file as SharedFile, upload.channel);
    } catch (error) {
      log.warn({ err: error, file: first }, 'files.info failed; cannot find the upload message');
      break;
    }
    if (ts) break;
  }
  return { fileIds, ...(ts ? { ts } : {}) };
}

function shareTs(file: SharedFile | undefined, channel: string): string | undefined {
  const shares = [file?.shares?.public?.[channel], file?.shares?.private?.[channel]];
  return shares.flatMap((list) => list ?? []).find((share) => share.ts)?.ts;
}
