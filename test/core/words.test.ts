// The words the model knows, before failing: "did you mean", dashes phones type, every problem
// of a request in one answer, /help words by kind, and counts with the right noun form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  helpText,
  imageProblems,
  parseCommand,
  promptCompletions,
  wordsByKind,
  wordsHelp,
  type Command,
  type ParseResult,
} from '../../src/core/commands/index.js';
import { closestWords, editDistance, REQUEST_LIMITS } from '../../src/core/contract.js';
import { count } from '../../src/core/plural.js';
import { text } from '../../src/core/flow/text.js';
import {
  describeQuotaChange,
  historyReport,
  limitPhrase,
  queueReport,
} from '../../src/service/format.js';

// The shipped model's 31 words (models/shapes-v8/tokenizer.json, training/WORLD.md).
const SHAPES_WORDS = [
  'a', 'and', 'background', 'big', 'black', 'blue', 'bouncing', 'circle', 'cross', 'cyan',
  'diamond', 'down', 'gray', 'green', 'growing', 'left', 'moving', 'on', 'orange', 'pink',
  'purple', 'red', 'right', 'shrinking', 'small', 'square', 'still', 'triangle', 'up', 'white',
  'yellow',
]; // prettier-ignore
const limits = { ...REQUEST_LIMITS, vocabulary: new Set(SHAPES_WORDS) };

function ok(result: ParseResult): Command {
  if (!result.ok) assert.fail(`expected success, got: ${result.error}`);
  return result.command;
}

function error(result: ParseResult): string {
  if (result.ok) assert.fail(`expected an error, got ${JSON.stringify(result.command)}`);
  return result.error;
}

test('edit distance counts a swapped pair as one slip', () => {
  assert.equal(editDistance('circel', 'circle'), 1);
  assert.equal(editDistance('sqare', 'square'), 1);
  assert.equal(editDistance('red', 'red'), 0);
  assert.equal(editDistance('', 'up'), 2);
  assert.equal(editDistance('dragon', 'diamond'), 3);
});

test('closest words: one slip for short words, two for longer ones, only the closest', () => {
  assert.deepEqual(closestWords('circel', SHAPES_WORDS), ['circle']);
  assert.deepEqual(closestWords('bleu', SHAPES_WORDS), ['blue']);
  assert.deepEqual(closestWords('grey', SHAPES_WORDS), ['gray']);
  assert.deepEqual(closestWords('dog', SHAPES_WORDS), [], 'no guess for a word that is far off');
  // "orange" is two slips from "trangle", "triangle" one: only the closest is offered.
  assert.deepEqual(closestWords('trangle', SHAPES_WORDS), ['triangle']);
  assert.deepEqual(closestWords('an', SHAPES_WORDS), ['a', 'and'], 'equals: alphabetical');
});

test('unknown words get "did you mean", and the known words are still listed', () => {
  const message = error(
    parseCommand('/video a red circel moving rigth on a blak background', { limits }),
  );
  assert.match(
    message,
    /does not know "circel" \(did you mean "circle"\?\), "rigth" \(did you mean "right"\?\), "blak" \(did you mean "black"\?\) \(known words: a, and, background,/,
  );
  assert.match(
    error(parseCommand('/video a red circle --negative "a bleu dragon"', { limits })),
    /negative prompt has words the model does not know: "bleu" \(did you mean "blue"\?\), "dragon"$/m,
  );
});

test('-seed and —seed (as phones type it) are read as --seed', () => {
  for (const input of [
    '/video a red circle -seed 5',
    '/video a red circle —seed 5',
    '/video a red circle –seed 5',
    '/video a red circle -Seed=5',
    '/video a red circle —seed=5',
  ]) {
    assert.deepEqual(
      ok(parseCommand(input, { limits })),
      { kind: 'video', request: { prompt: 'a red circle', seed: 5 } },
      input,
    );
  }
  assert.deepEqual(ok(parseCommand('/video a red circle —steps 4 -guidance 2.5', { limits })), {
    kind: 'video',
    request: { prompt: 'a red circle', steps: 4, guidance: 2.5 },
  });
});

test('a single dash before a word that is no option stays in the prompt', () => {
  // Without a vocabulary any word goes: "-big" and "-" are prompt words, "-1" a value.
  assert.deepEqual(ok(parseCommand('/video a -big - circle --seed 3')), {
    kind: 'video',
    request: { prompt: 'a -big - circle', seed: 3 },
  });
  assert.match(
    error(parseCommand('/video a red circle --guidance -1', { limits })),
    /guidance must be a number from 0 to 20 \(got -1\)/,
  );
  assert.match(
    error(parseCommand('/video a red circle —size 3', { limits })),
    /unknown option --size \(allowed: --seed,/,
  );
});

test('unknown options get "did you mean" too', () => {
  assert.match(
    error(parseCommand('/video a red circle --sead 5', { limits })),
    /unknown option --sead \(did you mean --seed\? allowed: --seed, --steps,/,
  );
  assert.match(
    error(parseCommand('/video a red circle --colour 5', { limits })),
    /unknown option --colour \(allowed:/,
  );
});

test('every problem of a request is reported at once', () => {
  const message = error(
    parseCommand('/video a red circel --size 3 --steps 0 --scheduler fast --seed', { limits }),
  );
  const problems = message.split('\n').filter((line) => line.startsWith('• '));
  assert.equal(problems.length, 5, message);
  assert.match(message, /• unknown option --size/);
  assert.match(message, /• --seed needs a value/);
  assert.match(message, /• the model does not know "circel" \(did you mean "circle"\?\)/);
  assert.match(message, /• steps must be a whole number from 1 to 50 \(got 0\)/);
  assert.match(message, /• scheduler "fast" is unknown \(allowed: dpmpp_2m, ddim, euler\)/);
});

test('/help words lists the vocabulary by kind, other words alphabetically', () => {
  const command = ok(parseCommand('/help words'));
  const answer = helpText(command as Extract<Command, { kind: 'help' }>, limits);
  assert.equal(answer, wordsHelp(limits));
  const lines = answer.split('\n');
  assert.equal(lines[0], 'The model knows 31 words; a prompt may use only these:');
  assert.deepEqual(lines.slice(1, 7), [
    '• colours: red, green, blue, yellow, purple, orange, pink, cyan',
    '• shapes: circle, square, triangle, diamond, cross',
    '• sizes: small, big',
    '• motions: moving, left, right, up, down, bouncing, growing, shrinking, still',
    '• backgrounds: black, white, gray',
    '• other words: a, and, background, on',
  ]);
  assert.match(lines[7]!, /^Example: \/video /);
  // Every word of the example is one the model knows.
  const example = ok(parseCommand(lines[7]!.slice('Example: '.length), { limits }));
  assert.equal(example.kind, 'video');
});

test('/help words shows only the words this model knows; unknown kinds fall back to a list', () => {
  const groups = wordsByKind(['zebra', 'red', 'a', 'circle', 'apple']);
  assert.deepEqual(groups, [
    { kind: 'colours', words: ['red'] },
    { kind: 'shapes', words: ['circle'] },
    { kind: 'other words', words: ['a', 'apple', 'zebra'] },
  ]);
  assert.equal(
    wordsHelp(REQUEST_LIMITS),
    'This model takes any words: describe the video you want.',
  );
  assert.equal(
    wordsHelp({ vocabulary: new Set(['up']) }).split('\n')[0],
    'The model knows 1 word; a prompt may use only these:',
  );
  assert.match(helpText({ kind: 'help' }, limits), /\/help words: the words the model knows/);
});

test('counts say "1 video", "2 videos", "0 votes"', () => {
  assert.equal(count(1, 'video'), '1 video');
  assert.equal(count(2, 'video'), '2 videos');
  assert.equal(count(0, 'vote'), '0 votes');
  assert.equal(count(1, 'entry', 'entries'), '1 entry');
  assert.equal(count(3, 'entry', 'entries'), '3 entries');
});

test('user-facing counts use the right form', () => {
  const overview = { waiting: 0, active: 1, failed: 0 };
  assert.match(queueReport(overview as Parameters<typeof queueReport>[0], 1), /; 1 vote open\.$/);
  assert.match(queueReport(overview as Parameters<typeof queueReport>[0], 2), /; 2 votes open\.$/);
  const grant = { action: 'grant', target: { kind: 'user', userId: 'bob' } } as const;
  assert.equal(describeQuotaChange({ ...grant, amount: 1 }), '1 extra video granted to @bob');
  assert.equal(describeQuotaChange({ ...grant, amount: 3 }), '3 extra videos granted to @bob');
  const empty = { page: 2, total: 1, items: [] };
  assert.equal(
    historyReport(empty as Parameters<typeof historyReport>[0], 10, 'yours'),
    'Page 2 is empty: there is 1 page.',
  );
  assert.equal(limitPhrase({ period: 'daily', limit: 1 }), 'daily limit of 1 video');
  assert.equal(limitPhrase({ period: 'monthly', limit: 0 }), 'monthly limit of 0 videos');
  const oneByte = { name: 'x.png', contentType: 'image/png', sizeBytes: 1 };
  assert.match(
    imageProblems(oneByte, { ...REQUEST_LIMITS, imageMaxBytes: 0 })[0]!,
    /is too large: 1 byte \(at most 0 bytes\)/,
  );
  assert.match(text.noMoreRounds(1), /at most 1 round\)/);
  assert.match(text.noMoreRounds(3), /at most 3 rounds\)/);
  assert.match(
    error(
      parseCommand('/video a red circle moving left', { limits: { ...limits, promptMaxWords: 1 } }),
    ),
    /the prompt is too long: 5 words \(at most 1\)/,
  );
});

test('prompt completion finishes the last word, or adds the next one after a space', () => {
  const most = { most: 25, maxChars: 100 };
  assert.deepEqual(promptCompletions('a big re', limits.vocabulary, most), ['a big red']);
  assert.deepEqual(promptCompletions('a Big RE', limits.vocabulary, most), ['a Big red']);
  assert.deepEqual(promptCompletions('a red circel', limits.vocabulary, most), ['a red circle']);
  assert.ok(!promptCompletions('a red ', limits.vocabulary, most).includes('a red red'));
  assert.deepEqual(promptCompletions('a red dragon', limits.vocabulary, most), []);
  // A word ended by punctuation is done: the next one follows after a space.
  assert.ok(promptCompletions('red,', limits.vocabulary, most).every((c) => /^red, \w+$/.test(c)));
  const next = promptCompletions('a small red ', limits.vocabulary, { most: 5, maxChars: 100 });
  assert.deepEqual(next, [
    'a small red circle',
    'a small red square',
    'a small red triangle',
    'a small red diamond',
    'a small red cross',
  ]);
  const empty = promptCompletions('', limits.vocabulary, most);
  assert.equal(empty.length, 25);
  assert.equal(empty[0], 'red', 'an empty prompt starts with the colours');
  assert.deepEqual(promptCompletions('a re', undefined, most), [], 'any words: nothing to offer');
  const long = 'x'.repeat(97);
  assert.deepEqual(promptCompletions(`${long} re`, limits.vocabulary, most), []);
  assert.deepEqual(promptCompletions(`${long} u`, limits.vocabulary, most), [`${long} up`]);
});
