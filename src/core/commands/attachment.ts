// Checks an uploaded first frame: one file, an image of an allowed type, not too large.
import type { RequestLimits } from '../contract.js';
import type { IncomingAttachment } from './types.js';

const SIGNATURES: { type: string; matches: (b: Uint8Array) => boolean }[] = [
  {
    type: 'image/png',
    matches: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v),
  },
  { type: 'image/jpeg', matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: 'image/webp',
    matches: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
  },
];

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** The image type recognised from a file's first bytes, or undefined. */
export function detectImageType(head: Uint8Array): string | undefined {
  return SIGNATURES.find((signature) => signature.matches(head))?.type;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** Problems with the attachments of a `/video` command (empty when fine). */
export function checkImageAttachments(
  attachments: readonly IncomingAttachment[],
  limits: RequestLimits,
): string[] {
  if (attachments.length === 0) return [];
  if (attachments.length > 1) {
    return [`attach one image at most (got ${attachments.length} files)`];
  }
  const [file] = attachments as [IncomingAttachment];
  const allowed = limits.imageTypes.map((type) => type.replace('image/', '')).join(', ');
  const type = file.head ? detectImageType(file.head) : file.contentType.toLowerCase();
  const problems: string[] = [];
  if (type === undefined || !limits.imageTypes.includes(type)) {
    problems.push(`"${file.name}" is not an image we can use (allowed: ${allowed})`);
  }
  if (file.sizeBytes > limits.imageMaxBytes) {
    problems.push(
      `"${file.name}" is too large: ${formatBytes(file.sizeBytes)} (at most ${formatBytes(limits.imageMaxBytes)})`,
    );
  }
  return problems;
}
