// Checks an uploaded first frame from its bytes, before anything is queued or stored: one file,
// of a type the engine decodes (whatever its name or declared type says), not too many bytes,
// and not too many pixels (read from the header, so a small file claiming a huge picture never
// reaches a decoder). With the whole file at hand, a file cut short is refused too.
import { imageTypeNames, type RequestLimits } from '../contract.js';
import { count } from '../plural.js';
import type { IncomingAttachment } from './types.js';

/** What a file's first bytes say: its type (MIME), and its pixel size when the header has it. */
export interface ImageHeader {
  type: string;
  width?: number;
  height?: number;
}

/** Types recognised only to name them in a refusal (the engine does not take them). */
const OTHER_TYPES: Record<string, string> = { 'image/gif': 'a GIF', 'image/bmp': 'a BMP' };

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

const be16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const be32 = (b: Uint8Array, at: number) => be16(b, at) * 0x10000 + be16(b, at + 2);
const le16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const le24 = (b: Uint8Array, at: number) => le16(b, at) + b[at + 2]! * 0x10000;
const le32 = (b: Uint8Array, at: number) => le24(b, at) + b[at + 3]! * 0x1000000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngHeader(b: Uint8Array): ImageHeader | undefined {
  if (!PNG_SIGNATURE.every((v, i) => b[i] === v)) return undefined;
  // The first chunk is IHDR: width and height, big-endian, at 16 and 20.
  if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return { type: 'image/png' };
  return { type: 'image/png', width: be32(b, 16), height: be32(b, 20) };
}

/** Start-of-frame markers (baseline, progressive, …): they hold the picture's size. */
const JPEG_FRAME_MARKERS = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

function jpegHeader(b: Uint8Array): ImageHeader | undefined {
  if (!(b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)) return undefined;
  let at = 2;
  // Segments: 0xFF, marker, 2-byte length (which counts itself), then the segment's data.
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) break; // not a segment: damaged
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, or pixels before any frame
    if (JPEG_FRAME_MARKERS.has(marker)) {
      if (at + 9 > b.length) break;
      return { type: 'image/jpeg', height: be16(b, at + 5), width: be16(b, at + 7) };
    }
    at += 2 + be16(b, at + 2);
  }
  return { type: 'image/jpeg' };
}

function webpHeader(b: Uint8Array): ImageHeader | undefined {
  if (!(ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP')) return undefined;
  const type = 'image/webp';
  if (b.length < 30) return { type };
  switch (ascii(b, 12, 16)) {
    case 'VP8 ': // lossy: a key frame's start code, then 14-bit sizes
      if (!(b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a)) return { type };
      return { type, width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
    case 'VP8L': {
      // lossless: signature 0x2f, then width-1 and height-1 in 14 bits each
      if (b[20] !== 0x2f) return { type };
      const bits = le32(b, 21);
      return { type, width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8X': // extended: canvas width-1 and height-1 in 24 bits each
      return { type, width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
    default:
      return { type };
  }
}

function otherHeader(b: Uint8Array): ImageHeader | undefined {
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') {
    return { type: 'image/gif', width: le16(b, 6), height: le16(b, 8) };
  }
  if (ascii(b, 0, 2) === 'BM') return { type: 'image/bmp' };
  return undefined;
}

/** The image type and size a file's first bytes give, or undefined for no image we know. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  return pngHeader(bytes) ?? jpegHeader(bytes) ?? webpHeader(bytes) ?? otherHeader(bytes);
}

/** The image type recognised from a file's first bytes, or undefined. */
export function detectImageType(head: Uint8Array): string | undefined {
  return readImageHeader(head)?.type;
}

/** Whether a whole file of `type` ends where its format says (false: it was cut short). */
function isComplete(type: string, b: Uint8Array): boolean {
  switch (type) {
    case 'image/png': // the last chunk is IEND, then its CRC
      return b.length >= 12 && ascii(b, b.length - 8, b.length - 4) === 'IEND';
    case 'image/jpeg': // end-of-image marker (some encoders add padding after it)
      return b.subarray(-64).some((v, i, tail) => v === 0xff && tail[i + 1] === 0xd9);
    case 'image/webp': // the RIFF size counts everything after its first 8 bytes
      return b.length >= 12 && le32(b, 4) + 8 <= b.length;
    default:
      return true;
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return count(bytes, 'byte');
}

/**
 * What is wrong with one uploaded image (empty when nothing is). `head` holds its first bytes or
 * all of them: with the whole file every check runs; with only the first few bytes (too few for
 * the header) the type is checked and the engine checks the pixels before decoding.
 */
export function imageProblems(file: Omit<IncomingAttachment, 'path'>, limits: RequestLimits) {
  const allowed = imageTypeNames(limits);
  const problems: string[] = [];
  if (file.sizeBytes > limits.imageMaxBytes) {
    problems.push(
      `"${file.name}" is too large: ${formatBytes(file.sizeBytes)} (at most ${formatBytes(limits.imageMaxBytes)})`,
    );
  }
  const whole = file.head !== undefined && file.head.length >= file.sizeBytes;
  const header: ImageHeader | undefined = file.head
    ? readImageHeader(file.head)
    : { type: file.contentType.toLowerCase() };
  if (header === undefined || !limits.imageTypes.includes(header.type)) {
    const what = header && OTHER_TYPES[header.type] ? ` (it is ${OTHER_TYPES[header.type]})` : '';
    problems.push(`"${file.name}" is not an image we can use${what}; allowed: ${allowed}`);
    return problems;
  }
  const { width, height } = header;
  if (width === undefined || height === undefined) {
    if (whole) {
      problems.push(
        `"${file.name}" is damaged: its header has no picture size; send a whole image`,
      );
    }
    return problems;
  }
  const max = limits.imageMaxSide;
  if (width < 1 || height < 1 || width > max || height > max) {
    problems.push(
      `"${file.name}" is ${width}x${height} pixels; each side must be 1 to ${max} pixels`,
    );
  } else if (whole && !isComplete(header.type, file.head!)) {
    problems.push(`"${file.name}" is cut short (the file ends too early); send the whole image`);
  }
  return problems;
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
  return imageProblems(attachments[0]!, limits);
}
