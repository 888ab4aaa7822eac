// The words the model knows, on Discord: /video's prompt and /extend's caption complete their
// next word from the shipped model's vocabulary (autocomplete, interaction response type 8,
// checked against Discord's API spec by the fake), and /help's topic lists those words privately.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../../helpers/manual-clock.js';
import { DEFAULT_MODEL_DIR, modelRequestLimits } from '../../../src/wiring/model.js';
import type { FakeInteraction, FakeUser } from './fake/fake-discord.js';
import { DiscordHarness } from './harness.js';

const EPHEMERAL = 64;
const AUTOCOMPLETE_RESULT = 8;
let h: DiscordHarness;
let alice: FakeUser;

before(async () => {
  h = await new DiscordHarness({}, {}, modelRequestLimits(DEFAULT_MODEL_DIR)).start();
  alice = h.fake.world.addUser('alice');
});

after(async () => {
  await h?.cleanup();
});

/** What the member's client shows while typing `prompt` into /video. */
async function choicesFor(prompt: string): Promise<FakeInteraction> {
  const interaction = h.fake.autocomplete(alice, 'video', 'prompt', { prompt });
  return waitFor(() => interaction.choices && interaction, `the choices for "${prompt}"`);
}

test('a half-typed word is finished with the words the model knows', async () => {
  const interaction = await choicesFor('a big re');
  assert.equal(interaction.responseType, AUTOCOMPLETE_RESULT);
  assert.ok((interaction.answeredAfterMs ?? Infinity) < 3000, 'answered within 3 s');
  assert.deepEqual(interaction.choices, [{ name: 'a big red', value: 'a big red' }]);
  const words = (await choicesFor('a small s')).choices?.map((choice) => choice.value);
  assert.deepEqual(words, ['a small shrinking', 'a small square', 'a small still']);
});

test('after a space, every choice is the typed text and one more known word', async () => {
  const typed = 'a red circle ';
  const { choices = [] } = await choicesFor(typed);
  assert.equal(choices.length, 25, "Discord's most");
  const next = choices.map((choice) => {
    assert.equal(choice.name, choice.value);
    assert.ok(String(choice.value).startsWith(typed), `${choice.value} keeps the typed text`);
    return String(choice.value).slice(typed.length);
  });
  const known = modelRequestLimits(DEFAULT_MODEL_DIR).vocabulary!;
  for (const word of next) assert.ok(known.has(word), `"${word}" is a word the model knows`);
  // The prompt names a colour and a shape: motions come before more colours.
  assert.ok(next.indexOf('moving') < next.indexOf('blue'), next.join(' '));
  assert.ok(!next.slice(0, 10).includes('square'), 'shapes come after the kinds not yet named');
});

test('a misspelt last word is offered its closest known word', async () => {
  const { choices } = await choicesFor('a red circel');
  assert.deepEqual(choices, [{ name: 'a red circle', value: 'a red circle' }]);
});

test('no choice is longer than 100 characters', async () => {
  const long = `${'a red circle moving right on a black background and '.repeat(2)}`.slice(0, 97);
  const { choices = [] } = await choicesFor(long);
  for (const choice of choices) assert.ok(String(choice.value).length <= 100);
  const over = await choicesFor(`${long}xxxx `);
  assert.deepEqual(over.choices, [], 'nothing fits: no choice, the typed text stays');
});

test("/extend's caption completes like /video's prompt", async () => {
  const interaction = h.fake.autocomplete(alice, 'extend', 'caption', { caption: 'a red circel' });
  const answered = await waitFor(() => interaction.choices && interaction, 'the caption choices');
  assert.equal(answered.responseType, AUTOCOMPLETE_RESULT);
  assert.deepEqual(answered.choices, [{ name: 'a red circle', value: 'a red circle' }]);
});

/** The private answer to a command, once it has text. */
function answerTo(interaction: FakeInteraction) {
  return waitFor(() => {
    const reply = h.fake.world.messages.get(interaction.originalMessageId ?? '');
    return reply && reply.content !== '' && reply;
  }, 'the answer');
}

test('/help topic:words lists the words by kind, seen by the caller only', async () => {
  const answer = await answerTo(h.fake.command(alice, 'help', { values: { topic: 'words' } }));
  assert.match(answer.content, /The model knows 31 words/);
  assert.match(answer.content, /shapes: circle, square, triangle, diamond, cross/);
  assert.equal(answer.flags & EPHEMERAL, EPHEMERAL);
  const commands = await answerTo(h.fake.command(alice, 'help'));
  assert.match(commands.content, /^Commands:/);
  assert.equal(commands.flags & EPHEMERAL, EPHEMERAL);
});
