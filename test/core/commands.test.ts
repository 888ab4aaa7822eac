import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  detectImageType,
  parseCommand,
  tokenize,
  type Command,
  type IncomingAttachment,
  type ParseResult,
} from '../../src/core/commands/index.js';
import { REQUEST_LIMITS } from '../../src/core/contract.js';

function ok(result: ParseResult): Command {
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.command;
}

function error(result: ParseResult): string {
  assert.ok(!result.ok, 'expected the command to be rejected');
  return result.error;
}

test('tokenize keeps quoted text together, straight or curly quotes', () => {
  assert.deepEqual(tokenize(`a "b c" ‘d e’ “f g”`), {
    ok: true,
    tokens: ['a', 'b c', 'd e', 'f g'],
  });
  assert.deepEqual(tokenize('x --negative=""'), { ok: true, tokens: ['x', '--negative='] });
  const open = tokenize('a "b c');
  assert.ok(!open.ok && open.error.includes('not closed'));
});

test('/video with every option', () => {
  const command = ok(
    parseCommand(
      '/video a big red circle  moving left --seed 42 --steps=20 --guidance 7.5 --scheduler DDIM --negative "blue square"',
    ),
  );
  assert.deepEqual(command, {
    kind: 'video',
    request: {
      prompt: 'a big red circle moving left',
      seed: 42,
      steps: 20,
      guidance: 7.5,
      scheduler: 'ddim',
      negativePrompt: 'blue square',
    },
  });
});

test('/video defaults: no seed (the service picks one), the model defaults', () => {
  const command = ok(parseCommand('/video a green square'));
  assert.deepEqual(command, {
    kind: 'video',
    // No steps, guidance or scheduler: the engine applies the model's own, per stage.
    request: { prompt: 'a green square' },
  });
});

test('/video bad input: each message names the problem and what is allowed', () => {
  const cases: [string, RegExp][] = [
    ['/video', /prompt is empty.*describe the video/],
    ['/video   --seed 3', /prompt is empty/],
    [`/video ${'a '.repeat(30)}`, /too long: 30 words \(at most 24\)/],
    [`/video ${'x'.repeat(201)}`, /too long: 201 characters \(at most 200\)/],
    ['/video a circle --seed -1', /seed must be a whole number from 0 to 2147483647 \(got -1\)/],
    ['/video a circle --seed 1.5', /seed must be a whole number/],
    ['/video a circle --steps 0', /steps must be a whole number from 1 to 50 \(got 0\)/],
    ['/video a circle --steps abc', /steps must be a whole number from 1 to 50 \(got "abc"\)/],
    ['/video a circle --guidance 99', /guidance must be a number from 0 to 20 \(got 99\)/],
    ['/video a circle --guidance 1e3', /guidance must be a number from 0 to 20/],
    [
      '/video a circle --scheduler pndm',
      /scheduler "pndm" is unknown \(allowed: dpmpp_2m, ddim, euler\)/,
    ],
    [
      '/video a circle --size 3',
      /unknown option --size \(allowed: --seed, --steps, --guidance, --scheduler, --negative, --fps\)/,
    ],
    ['/video a circle --seed', /--seed needs a value/],
    ['/video a circle --seed 1 --seed 2', /--seed is given twice/],
    [
      `/video a circle --negative "${'y'.repeat(201)}"`,
      /the negative prompt is too long: 201 characters \(at most 200\)/,
    ],
    ['/video a "circle', /quote is not closed/],
  ];
  for (const [input, expected] of cases) {
    const message = error(parseCommand(input));
    assert.match(message, expected, `for ${input}`);
    assert.match(message, /Sorry, I can't do that/);
  }
});

test('/video lists several problems at once, with the usage line', () => {
  const message = error(parseCommand('/video a circle --steps 0 --guidance x'));
  assert.match(message, /• steps must be/);
  assert.match(message, /• guidance must be/);
  assert.match(message, /Usage: \/video <prompt>/);
});

test('/video names unknown words and lists the known ones when a vocabulary is given', () => {
  const limits = {
    ...REQUEST_LIMITS,
    vocabulary: new Set(['a', 'red', 'circle', 'moving', 'left']),
  };
  ok(parseCommand('/video A red circle, moving left', { limits }));
  const message = error(parseCommand('/video a red dog chasing a circle', { limits }));
  assert.match(
    message,
    /does not know "dog", "chasing" \(known words: a, circle, left, moving, red\)/,
  );
});

const PNG_HEAD = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const TEXT_HEAD = new TextEncoder().encode('hello world!');

function attachment(overrides: Partial<IncomingAttachment>): IncomingAttachment {
  return {
    name: 'frame.png',
    contentType: 'image/png',
    sizeBytes: 1000,
    path: '/tmp/frame.png',
    head: PNG_HEAD,
    ...overrides,
  };
}

test('/video with an uploaded image: accepted, or rejected with the reason', () => {
  const command = ok(parseCommand('/video a red circle', { attachments: [attachment({})] }));
  assert.equal(command.kind === 'video' && command.request.image?.path, '/tmp/frame.png');
  assert.equal(detectImageType(PNG_HEAD), 'image/png');
  assert.equal(detectImageType(TEXT_HEAD), undefined);

  const notImage = error(
    parseCommand('/video x', { attachments: [attachment({ name: 'notes.png', head: TEXT_HEAD })] }),
  );
  assert.match(notImage, /"notes.png" is not an image we can use; allowed: PNG, JPEG, WebP/);
  const declared = error(
    parseCommand('/video x', {
      attachments: [attachment({ contentType: 'application/pdf', head: undefined })],
    }),
  );
  assert.match(declared, /is not an image we can use/);
  const large = error(
    parseCommand('/video x', { attachments: [attachment({ sizeBytes: 6 * 1024 * 1024 })] }),
  );
  assert.match(large, /"frame.png" is too large: 6.0 MiB \(at most 5.0 MiB\)/);
  const two = error(parseCommand('/video x', { attachments: [attachment({}), attachment({})] }));
  assert.match(two, /attach one image at most \(got 2 files\)/);
});

test('/history: scope and page, with defaults and errors', () => {
  assert.deepEqual(ok(parseCommand('/history')), { kind: 'history', scope: 'mine', page: 1 });
  assert.deepEqual(ok(parseCommand('/history server 3')), {
    kind: 'history',
    scope: 'server',
    page: 3,
  });
  assert.deepEqual(ok(parseCommand('/video-history 2')), {
    kind: 'history',
    scope: 'mine',
    page: 2,
  });
  assert.match(
    error(parseCommand('/history everyone')),
    /"everyone" is neither "mine", "server" nor a page number from 1 to 10000/,
  );
  assert.match(error(parseCommand('/history 0')), /"0" is neither/);
});

test('/quota and its admin forms', () => {
  assert.deepEqual(ok(parseCommand('/quota')), { kind: 'quota-show' });
  assert.deepEqual(ok(parseCommand('/quota set <@U123|ann> daily 5')), {
    kind: 'quota-admin',
    change: { action: 'set', target: { kind: 'user', userId: 'U123' }, period: 'daily', limit: 5 },
  });
  assert.deepEqual(ok(parseCommand('/quota set workspace monthly unlimited')), {
    kind: 'quota-admin',
    change: { action: 'set', target: { kind: 'workspace' }, period: 'monthly', limit: null },
  });
  assert.deepEqual(ok(parseCommand('/quota grant @bob 3')), {
    kind: 'quota-admin',
    change: { action: 'grant', target: { kind: 'user', userId: 'bob' }, amount: 3 },
  });
  assert.deepEqual(ok(parseCommand('/quota reset <@!42>')), {
    kind: 'quota-admin',
    change: { action: 'reset', target: { kind: 'user', userId: '42' } },
  });
});

test('/quota bad input names what is wrong and the usage', () => {
  const cases: [string, RegExp][] = [
    ['/quota raise @bob 3', /unknown \/quota action "raise" \(allowed: set, grant, reset\)/],
    ['/quota set', /say whose quota: a user \(@name\) or "workspace".*Usage: \/quota set/],
    ['/quota set bob daily 3', /"bob" is not a user or the workspace/],
    ['/quota set @bob weekly 3', /the period must be "daily" or "monthly" \(got "weekly"\)/],
    [
      '/quota set @bob daily -2',
      /the limit must be a whole number from 0 to 1000000 \(got "-2"\), or "unlimited"/,
    ],
    ['/quota set @bob daily 3 extra', /unexpected "extra"/],
    ['/quota grant workspace 3', /grants are for one user, not the workspace/],
    ['/quota grant @bob 0', /extra videos must be a whole number from 1 to 1000000 \(got "0"\)/],
    ['/quota grant @bob', /\(got nothing\)/],
    ['/quota reset', /say whose quota/],
  ];
  for (const [input, expected] of cases) assert.match(error(parseCommand(input)), expected, input);
});

test('unknown commands and empty input point to the command list', () => {
  assert.match(error(parseCommand('/draw a cat')), /"\/draw" is not a command\n.*Commands:/s);
  assert.match(error(parseCommand('   ')), /an empty message is not a command/);
  assert.match(error(parseCommand('/queue now')), /\/queue takes no arguments/);
  assert.deepEqual(ok(parseCommand('/queue')), { kind: 'queue' });
  assert.deepEqual(ok(parseCommand('/info')), { kind: 'info' });
  assert.deepEqual(ok(parseCommand('/video-info')), { kind: 'info' });
  assert.match(error(parseCommand('/info me')), /\/info takes no arguments\nUsage: \/info$/);
  assert.deepEqual(ok(parseCommand('/help')), { kind: 'help' });
  assert.deepEqual(ok(parseCommand('/help Words')), { kind: 'help', topic: 'words' });
  assert.match(
    error(parseCommand('/help colours')),
    /"colours" is not a help topic \(allowed: words\)\nUsage: \/help \[words\]/,
  );
});

test('/video from options a platform parsed itself (quotes in the prompt are fine)', () => {
  const command = ok(
    parseCommand('/video', {
      options: { prompt: 'a "big" red circle', seed: '5', scheduler: 'euler' },
    }),
  );
  assert.deepEqual(command, {
    kind: 'video',
    request: { prompt: 'a "big" red circle', seed: 5, scheduler: 'euler' },
  });
  const both = error(parseCommand('/video', { options: { prompt: 'x', size: '3', steps: '0' } }));
  assert.match(
    both,
    /unknown option size \(allowed: prompt, seed, steps, guidance, scheduler, negative, fps\)/,
  );
  assert.match(both, /steps must be a whole number from 1 to 50 \(got 0\)/, 'in the same answer');
  assert.match(
    error(parseCommand('/video', { options: { prompt: 'x', sead: '3' } })),
    /unknown option sead \(did you mean seed\? allowed: prompt,/,
  );
  assert.match(error(parseCommand('/video', { options: { steps: '3' } })), /the prompt is empty/);
});

test('/video extend: a caption and the sampling options; close; what it refuses', () => {
  const command = ok(parseCommand('/video extend a red circle moving down --seed 7 --steps 12'));
  assert.deepEqual(command, {
    kind: 'extend',
    request: { prompt: 'a red circle moving down', seed: 7, steps: 12 },
  });
  // Discord's structured options: the prompt option carries the words after /video.
  const structured = ok(
    parseCommand('/video', { options: { prompt: 'Extend a blue square', guidance: '4' } }),
  );
  assert.deepEqual(structured, {
    kind: 'extend',
    request: { prompt: 'a blue square', guidance: 4 },
  });
  assert.deepEqual(ok(parseCommand('/video extend close')), { kind: 'story-close' });
  // "extended" is a prompt word, not the command.
  assert.equal(ok(parseCommand('/video extended red circle')).kind, 'video');

  assert.match(error(parseCommand('/video extend')), /say what happens next after \/video extend/);
  assert.match(error(parseCommand('/video extend')), /Usage: \/video extend <what happens next>/);
  assert.match(
    error(parseCommand('/video extend a red circle --fps 16')),
    /--fps cannot be given to \/video extend: a story keeps its first video's fps/,
  );
  assert.match(
    error(parseCommand('/video extend a red circle', { attachments: [attachment({})] })),
    /\/video extend takes no image/,
  );
  assert.match(error(parseCommand('/video extend a red circle --steps 0')), /steps must be/);
});

test('/video vary <1-4>, and what it refuses', () => {
  assert.deepEqual(ok(parseCommand('/video vary 3')), { kind: 'vary', candidate: 3 });
  assert.deepEqual(ok(parseCommand('/video', { options: { prompt: 'vary 1' } })), {
    kind: 'vary',
    candidate: 1,
  });
  assert.match(error(parseCommand('/video vary 5')), /needs the frame to vary, 1 to 4 \(got "5"\)/);
  assert.match(error(parseCommand('/video vary')), /Usage: \/video vary <1-4>/);
  assert.match(error(parseCommand('/video vary 2 --seed 4')), /\/video vary takes no options/);
  // "various" is a prompt word, not the command.
  assert.equal(ok(parseCommand('/video various red circles')).kind, 'video');
});
