// The request contract (src/core/contract.ts) is the one set of rules: the core, the queue and
// the engine refuse the same requests in the same words, a model's folder narrows the limits,
// and candidate seeds wrap the same way wherever they are computed.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseCommand } from '../../src/core/commands/index.js';
import { candidateSeeds, MAX_SEED, REQUEST_LIMITS } from '../../src/core/contract.js';
import { InvalidPayloadError, parsePayload } from '../../src/queue/payloads.js';
import { modelRequestLimits, TINY_MODEL_DIR } from '../../src/wiring/model.js';

function refusal(text: string, limits = REQUEST_LIMITS): string {
  const parsed = parseCommand(text, { limits });
  assert.ok(!parsed.ok, `${text} should be refused`);
  return parsed.error;
}

test('candidate seeds wrap to 0 past the top of the range, round after round', () => {
  assert.deepEqual(candidateSeeds(MAX_SEED), [MAX_SEED, 0, 1, 2]);
  assert.deepEqual(candidateSeeds(MAX_SEED - 5, 2), [MAX_SEED - 1, MAX_SEED, 0, 1]);
  assert.deepEqual(candidateSeeds(10, 3), [18, 19, 20, 21]);
});

test('a prompt over the limit: the core refuses it with the sentence the queue gives', () => {
  const prompt = `a red circle ${'x'.repeat(REQUEST_LIMITS.promptMaxChars)}`;
  const sentence = `the prompt is too long: ${prompt.length} characters (at most ${REQUEST_LIMITS.promptMaxChars})`;
  assert.ok(refusal(`/video ${prompt}`).includes(sentence), 'the core names the limit');
  const payload = { generationId: 'g1', round: 1, prompt, seeds: candidateSeeds(1) };
  assert.throws(
    () => parsePayload('candidates', payload),
    (error: unknown) => error instanceof InvalidPayloadError && error.message.includes(sentence),
  );
  // One character less is accepted by both.
  const fits = prompt.slice(0, REQUEST_LIMITS.promptMaxChars);
  assert.ok(parseCommand(`/video ${fits}`).ok);
  assert.equal(parsePayload('candidates', { ...payload, prompt: fits }).prompt, fits);
});

test("the model folder's step maximum changes what /video accepts", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ff-contract-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(TINY_MODEL_DIR, dir, { recursive: true });
  const request = '/video a red circle moving right --steps 12';

  const shipped = modelRequestLimits(TINY_MODEL_DIR);
  assert.equal(shipped.steps.max, REQUEST_LIMITS.steps.max, 'no limits block: the contract max');
  assert.ok(parseCommand(request, { limits: shipped }).ok);

  const manifestFile = path.join(dir, 'model_index.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, limits: { max_inference_steps: 10 } }));
  const narrowed = modelRequestLimits(dir);
  assert.match(refusal(request, narrowed), /steps must be a whole number from 1 to 10 \(got 12\)/);
  assert.ok(parseCommand('/video a red circle moving right --steps 10', { limits: narrowed }).ok);

  writeFileSync(manifestFile, JSON.stringify({ ...manifest, limits: { schedulers: ['ddim'] } }));
  assert.match(
    refusal('/video a red circle --scheduler euler', modelRequestLimits(dir)),
    /scheduler "euler" is unknown \(allowed: ddim\)/,
  );
});

test('the model words: the core refuses unknown words in the prompt and the negative prompt', () => {
  const limits = modelRequestLimits(TINY_MODEL_DIR);
  assert.match(refusal('/video a red dragon', limits), /does not know "dragon"/);
  assert.match(
    refusal('/video a red circle --negative "blue dragon"', limits),
    /negative prompt has words the model does not know: "dragon"/,
  );
  assert.ok(parseCommand('/video a red circle --negative "blue square"', { limits }).ok);
});

test('control characters: one rule for typed text, platform options and the queue payload', () => {
  const allowed = 'only printable characters, spaces, tabs and new lines are allowed';
  for (const [char, code] of [
    ['\0', '0000'],
    ['\r', '000D'],
    ['\x0b', '000B'],
    ['\x1b', '001B'],
    ['\x7f', '007F'],
    ['\x85', '0085'],
  ] as const) {
    const sentence = `the prompt contains an invisible control character (U+${code} at character 3)`;
    // Typed (web, Slack): the character is no word separator, so it reaches the rule.
    const typed = refusal(`/video a ${char}red circle`);
    assert.ok(typed.includes(sentence) && typed.includes(allowed), typed);
    // Options a platform parsed (Discord).
    const parsed = parseCommand('/video', { options: { prompt: `a ${char}red circle` } });
    assert.ok(!parsed.ok && parsed.error.includes(sentence), `options path for U+${code}`);
    // The queue refuses the same with the same words.
    const payload = { generationId: 'g1', round: 1, prompt: `a ${char}red`, seeds: [1, 2, 3, 4] };
    assert.throws(
      () => parsePayload('candidates', payload),
      (error: unknown) => error instanceof InvalidPayloadError && error.message.includes(sentence),
    );
  }
  assert.match(
    refusal('/video a red circle --negative "blue\0square"'),
    /the negative prompt contains an invisible control character \(U\+0000 at character 5\)/,
  );
  const negative = parseCommand('/video', { options: { prompt: 'a circle', negative: 'x\x01' } });
  assert.ok(
    !negative.ok && /negative prompt contains .*U\+0001 at character 2/.test(negative.error),
  );
  // Tabs and new lines are spaces between words: accepted everywhere.
  const typed = parseCommand('/video a\tred\ncircle --negative "blue\tsquare"');
  assert.ok(typed.ok && typed.command.kind === 'video');
  assert.equal(typed.command.request.prompt, 'a red circle');
  assert.equal(typed.command.request.negativePrompt, 'blue square');
  assert.ok(parseCommand('/video', { options: { prompt: 'a\nred\tcircle' } }).ok);
  const clean = { generationId: 'g1', round: 1, prompt: 'a\tred\ncircle', seeds: [1, 2, 3, 4] };
  assert.equal(parsePayload('candidates', clean).prompt, 'a\tred\ncircle');
});
