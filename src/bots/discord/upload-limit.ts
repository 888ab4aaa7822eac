// Fitting the flow's files into a Discord upload. The MP4 is the video; the GIF is only its
// preview, posted when the MP4 cannot be. A file over the limit is re-encoded smaller when a
// shrinker is given; what still does not fit is replaced by a line saying where it is.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FlowAttachment } from '../../core/flow/types.js';

/** Discord's upload limit without server boosts (since 2024); tier 2: 50 MiB, tier 3: 100 MiB. */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;
const LIMIT_BY_PREMIUM_TIER = [
  DEFAULT_UPLOAD_LIMIT,
  DEFAULT_UPLOAD_LIMIT,
  50 * 2 ** 20,
  100 * 2 ** 20,
];

export function uploadLimitOfTier(premiumTier: number | undefined): number {
  return LIMIT_BY_PREMIUM_TIER[premiumTier ?? 0] ?? DEFAULT_UPLOAD_LIMIT;
}

/**
 * The limit to assume after Discord refused a file of `refusedBytes` as too large (40005): the
 * largest of its limits below that size, or half of it when the file was under all of them.
 */
export function limitBelow(refusedBytes: number): number {
  const lower = LIMIT_BY_PREMIUM_TIER.filter((limit) => limit < refusedBytes);
  return lower.length > 0 ? Math.max(...lower) : Math.floor(refusedBytes / 2);
}

/** Makes a video under `maxBytes`; returns the new file, or undefined when it cannot. */
export type ShrinkVideo = (mp4: string, maxBytes: number) => Promise<string | undefined>;

export interface UploadPlan {
  files: { path: string; name: string }[];
  /** Lines to add to the message text: what was changed or left out, and why. */
  notes: string[];
  /** A video neither uploaded nor linked: the message would not deliver it. */
  videoUndelivered?: boolean;
}

export interface UploadOptions {
  limitBytes: number;
  /** The limit is an estimate (after a refusal), not one Discord said: not named in notes. */
  limitEstimated?: boolean;
  shrinkVideo?: ShrinkVideo | undefined;
  /** A link to a file kept on the bot's side (e.g. an artifact URL), when there is one. */
  artifactUrl?: ((file: string) => string | undefined) | undefined;
}

export function formatSize(bytes: number): string {
  return bytes < 2 ** 20
    ? `${(bytes / 1024).toFixed(1)} KiB`
    : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

async function sizeOf(file: string): Promise<number> {
  return (await stat(file)).size;
}

export async function planUpload(
  attachments: readonly FlowAttachment[],
  options: UploadOptions,
): Promise<UploadPlan> {
  const plan: UploadPlan = { files: [], notes: [] };
  const limit = options.limitBytes;
  const ofLimit = options.limitEstimated ? '' : ` of ${formatSize(limit)}`;
  const add = (file: string, name = path.basename(file)) => plan.files.push({ path: file, name });
  const whereIs = (file: string) => {
    const url = options.artifactUrl?.(file);
    return url ? `: ${url}` : ` (kept on the bot's server as ${path.basename(file)})`;
  };
  const gifs = attachments.filter((attachment) => attachment.kind === 'gif');
  let videoPosted = false;
  let videoMissing = false;
  for (const attachment of attachments) {
    if (attachment.kind === 'gif') continue;
    const size = await sizeOf(attachment.path);
    if (size <= limit) {
      add(attachment.path);
      if (attachment.kind === 'video') videoPosted = true;
      continue;
    }
    if (attachment.kind === 'video' && options.shrinkVideo) {
      const smaller = await options.shrinkVideo(attachment.path, limit);
      if (smaller !== undefined && (await sizeOf(smaller)) <= limit) {
        add(smaller, path.basename(attachment.path));
        plan.notes.push(
          `(The video was re-encoded from ${formatSize(size)} to ${formatSize(await sizeOf(smaller))} to fit this server's upload limit${ofLimit}.)`,
        );
        videoPosted = true;
        continue;
      }
    }
    if (attachment.kind === 'video') {
      videoMissing = true;
      if (!options.artifactUrl?.(attachment.path)) plan.videoUndelivered = true;
    }
    const what = attachment.kind === 'video' ? 'The video' : 'The image';
    plan.notes.push(
      `${what} (${formatSize(size)}) is over this server's upload limit${ofLimit}${whereIs(attachment.path)}`,
    );
  }
  // The GIF is a preview: posted with no video, or when the video could not be posted.
  const hadVideo = attachments.some((attachment) => attachment.kind === 'video');
  if (!videoPosted && (videoMissing || !hadVideo)) {
    for (const gif of gifs) {
      const size = await sizeOf(gif.path);
      if (size <= limit) {
        add(gif.path);
        if (videoMissing) plan.notes.push('Here is the GIF preview.');
      } else {
        plan.notes.push(
          `The GIF preview (${formatSize(size)}) is over the limit too${whereIs(gif.path)}`,
        );
      }
    }
  }
  return plan;
}
