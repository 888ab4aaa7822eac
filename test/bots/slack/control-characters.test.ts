// A null byte or another control character in a prompt, on PostgreSQL (which refuses a null
// byte in text with 22021, where SQLite stores it): Slack's /video and the playground's line,
// on the real stack, both get the contract's one sentence naming the character and what is
// allowed, and nothing is stored or charged. A clean prompt on the same stack is stored, so
// the refusal is the rule's, not a broken database. No queue worker: nothing is drawn.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StackHarness, waitFor } from '../../wiring/stack-harness.js';
import { SlackOnStack } from './slack-on-stack.js';

const ALLOWED = /only printable characters, spaces, tabs and new lines are allowed/;
let h: SlackOnStack;

before(async () => {
  h = await new SlackOnStack(new StackHarness('postgresql', {}, {}, false)).start();
});

after(async () => {
  await h?.cleanup();
});

test('a control character in a prompt on PostgreSQL: refused in words on Slack and the playground, nothing stored', async () => {
  const refusals: [string, RegExp][] = [
    ['a red\u0000circle', /the prompt contains an invisible control character \(U\+0000/],
    ['a red\u001bcircle', /the prompt contains an invisible control character \(U\+001B/],
    [
      'a red circle --negative "blue\u0000square"',
      /the negative prompt contains an invisible control character \(U\+0000/,
    ],
  ];
  for (const [text, sentence] of refusals) {
    const { responseId } = await h.command('alice', '/video', text);
    const answer = await h.waitForAnswer(responseId, /invisible control character/);
    assert.match(answer, sentence);
    assert.match(answer, ALLOWED);

    await h.product.say('alice', `/video ${text}`);
    const said = await h.product.waitForMessage(sentence, 'alice');
    assert.match(said.text, ALLOWED);
    assert.equal(said.visibleTo, 'alice', 'told to the requester alone');
  }
  assert.ok(!h.fake.messages.some((m) => m.text.includes('a red')), 'no public echo on Slack');

  const db = h.product.stack.db;
  assert.equal(await db.generation.count(), 0, 'no generation stored');
  assert.equal(await db.quotaLedgerEntry.count(), 0, 'nothing reserved');

  // The same stack stores a clean prompt (tab and new line are spaces between words).
  await h.product.say('alice', '/video a red\tcircle');
  const stored = await waitFor(
    'the clean request stored',
    async () => (await db.generation.findFirst({ where: { prompt: 'a red circle' } })) ?? undefined,
  );
  assert.equal(stored.prompt, 'a red circle');
});
