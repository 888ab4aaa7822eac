// An uploaded first frame is checked from its own bytes before anything is queued: its type
// (whatever the name says), its pixel size from the header, and, with the whole file, that it
// is not cut short. What the bot accepts the engine decodes, and what the engine would refuse
// the bot refuses first. Real image bytes, made with sharp.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { imageProblems, readImageHeader } from '../../src/core/commands/attachment.js';
import { parseCommand } from '../../src/core/commands/index.js';
import { REQUEST_LIMITS } from '../../src/core/contract.js';
import { readUpload } from '../../src/engine/images.js';

const TARGET = { width: 64, height: 64 };
const ENGINE_LIMITS = {
  maxBytes: REQUEST_LIMITS.imageMaxBytes,
  maxSide: REQUEST_LIMITS.imageMaxSide,
};

function picture(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: '#3060c0' } });
}

/** The bot's verdict on `bytes` uploaded as `name`: its problems, empty when accepted. */
function botProblems(name: string, bytes: Uint8Array, declared = 'image/jpeg'): string[] {
  const file = { name, contentType: declared, sizeBytes: bytes.length, head: bytes };
  const parsed = parseCommand('/video a red circle', { attachments: [{ ...file, path: '/x' }] });
  assert.equal(parsed.ok, imageProblems(file, REQUEST_LIMITS).length === 0);
  return imageProblems(file, REQUEST_LIMITS);
}

async function engineDecodes(bytes: Uint8Array): Promise<boolean> {
  return readUpload(bytes, TARGET, ENGINE_LIMITS).then(
    () => true,
    () => false,
  );
}

/** A PNG header (signature and IHDR) claiming width x height, with no pixels after it. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr.set([8, 2, 0, 0, 0], 16);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]);
}

test('accepted: PNG, JPEG (progressive too), lossy and lossless WebP, whatever the name says', async () => {
  const files: [string, Buffer, { width: number; height: number }][] = [
    ['frame.png', await picture(300, 200).png().toBuffer(), { width: 300, height: 200 }],
    // A PNG renamed .jpg and declared as JPEG: its bytes say PNG, and PNG is fine.
    ['renamed.jpg', await picture(40, 30).png().toBuffer(), { width: 40, height: 30 }],
    ['photo.jpg', await picture(320, 240).jpeg().toBuffer(), { width: 320, height: 240 }],
    [
      'progressive.jpg',
      await picture(99, 77).withMetadata().jpeg({ progressive: true }).toBuffer(),
      { width: 99, height: 77 },
    ],
    ['lossy.webp', await picture(123, 45).webp().toBuffer(), { width: 123, height: 45 }],
    [
      'lossless.webp',
      await picture(4096, 3).webp({ lossless: true }).toBuffer(),
      { width: 4096, height: 3 },
    ],
  ];
  for (const [name, bytes, size] of files) {
    const header = readImageHeader(bytes);
    assert.deepEqual(
      { width: header?.width, height: header?.height },
      size,
      `${name}: the size from its header`,
    );
    assert.deepEqual(botProblems(name, bytes), [], `${name} is accepted`);
    assert.ok(await engineDecodes(bytes), `${name}: the engine decodes what the bot accepted`);
  }
  assert.equal(readImageHeader(files[1]![1])?.type, 'image/png');
});

test('refused before queueing, naming what is wrong and what is allowed', async () => {
  const png = await picture(64, 64).png().toBuffer();
  const jpeg = await picture(640, 480).jpeg().toBuffer();
  const webp = await picture(64, 64).webp().toBuffer();
  const gif = await picture(16, 16).gif().toBuffer();
  const cases: [string, Uint8Array, RegExp][] = [
    [
      'cut.png',
      png.subarray(0, png.length - 30),
      /"cut.png" is cut short \(the file ends too early\); send the whole image/,
    ],
    ['cut.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)), /"cut.jpg" is cut short/],
    ['cut.webp', webp.subarray(0, webp.length - 10), /"cut.webp" is cut short/],
    ['header.png', png.subarray(0, 20), /"header.png" is damaged: its header has no picture size/],
    [
      'bomb.png',
      pngHeaderOnly(20000, 20000),
      /"bomb.png" is 20000x20000 pixels; each side must be 1 to 4096 pixels/,
    ],
    ['wide.png', pngHeaderOnly(4097, 10), /is 4097x10 pixels; each side must be 1 to 4096 pixels/],
    ['zero.png', pngHeaderOnly(0, 10), /is 0x10 pixels/],
    [
      'anim.gif',
      gif,
      /"anim.gif" is not an image we can use \(it is a GIF\); allowed: PNG, JPEG, WebP/,
    ],
    [
      'notes.png',
      Buffer.from('just some words, not a picture\n'),
      /"notes.png" is not an image we can use; allowed: PNG, JPEG, WebP/,
    ],
    [
      'empty.png',
      new Uint8Array(0),
      /"empty.png" is not an image we can use; allowed: PNG, JPEG, WebP/,
    ],
  ];
  for (const [name, bytes, expected] of cases) {
    const problems = botProblems(name, bytes, 'image/png');
    assert.equal(problems.length, 1, `${name}: ${problems.join(' | ')}`);
    assert.match(problems[0]!, expected);
    // Nothing the bot refuses would have been decoded by the engine either.
    assert.equal(await engineDecodes(bytes), false, `${name}: the engine refuses it too`);
  }
  // The refusal is the command's answer, with the usage.
  const parsed = parseCommand('/video a red circle', {
    attachments: [
      {
        name: 'bomb.png',
        contentType: 'image/png',
        sizeBytes: 33,
        head: pngHeaderOnly(20000, 20000),
        path: '/x',
      },
    ],
  });
  assert.ok(
    !parsed.ok && /^Sorry, I can't do that: "bomb.png" is 20000x20000 pixels/.test(parsed.error),
  );
});

test('only the first bytes at hand (a file not read yet): the type is checked, no more', () => {
  const head = pngHeaderOnly(20000, 20000).subarray(0, 16);
  const file = { name: 'x.png', contentType: 'image/png', sizeBytes: 5000, head };
  assert.deepEqual(imageProblems(file, REQUEST_LIMITS), [], 'too few bytes to judge the size');
  const full = { ...file, head: pngHeaderOnly(20000, 20000) };
  assert.match(imageProblems(full, REQUEST_LIMITS).join(), /20000x20000/, 'a header is enough');
  const gif = { ...file, head: Buffer.from('GIF89a\x10\x00\x10\x00', 'latin1') };
  assert.match(imageProblems(gif, REQUEST_LIMITS).join(), /it is a GIF/);
});
