// The fake Discord holds the bot to Discord's published API spec (discord-api-spec's zod
// schemas of its OpenAPI document): a body the real API would refuse is answered like Discord
// (400, 50035 Invalid Form Body, naming the field) and fails the harness that saw it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiscordAPIError, Routes } from 'discord.js';
import { requestProblems, responseProblems } from './fake/contract.js';
import { World } from './fake/world.js';
import { assertContractKept, DiscordHarness } from './harness.js';

test('a message Discord would refuse gets 50035 naming the field, and fails the harness', async () => {
  const h = await new DiscordHarness().start();
  const route = Routes.channelMessages(h.fake.world.channelId);
  try {
    await assert.rejects(
      h.adapter.client.rest.post(route, { body: { content: 'x'.repeat(4001), flags: 'loud' } }),
      (error: unknown) =>
        error instanceof DiscordAPIError &&
        error.code === 50035 &&
        /content\[INVALID_FORM_BODY\]/.test(error.message) &&
        /flags\[INVALID_FORM_BODY\]/.test(error.message),
    );
    assert.throws(
      () => assertContractKept(h.fake),
      /request POST \/channels\/\d+\/messages: content: .*; flags: /,
    );
    assert.equal(h.fake.messages().length, 0, 'nothing posted');
  } finally {
    h.fake.rest.contractViolations.length = 0;
    await h.cleanup();
  }
});

test("the bot's own bodies and the fake's answers pass the spec", () => {
  assert.deepEqual(
    requestProblems('POST', '/channels/1/messages', {
      content: 'hello',
      allowed_mentions: { parse: [], users: [], replied_user: false },
      message_reference: { message_id: '2', fail_if_not_exists: false },
    }),
    [],
  );
  assert.notDeepEqual(
    requestProblems('POST', '/interactions/1/t/callback', { type: 9, data: {} }),
    [],
    'an unknown callback type is refused',
  );
  const world = new World(() => 'ws://127.0.0.1:1');
  const message = world.addMessage({ content: 'hi', files: [], flags: 0, via: 'channel' });
  assert.deepEqual(
    responseProblems('POST', '/channels/1/messages', world.messagePayload(message)),
    [],
  );
});

test('autocomplete answers (type 8) are held to 25 choices of 100 characters', () => {
  const callback = '/interactions/1/t/callback';
  const choices = (n: number, length = 5) =>
    Array.from({ length: n }, (_, i) => ({ name: `${i}`.padEnd(length, 'x'), value: `${i}` }));
  assert.deepEqual(
    requestProblems('POST', callback, { type: 8, data: { choices: choices(25) } }),
    [],
  );
  assert.notDeepEqual(
    requestProblems('POST', callback, { type: 8, data: { choices: choices(26) } }),
    [],
  );
  assert.notDeepEqual(
    requestProblems('POST', callback, { type: 8, data: { choices: choices(1, 101) } }),
    [],
  );
});

test("Discord's timestamp markup is in seconds with a known style", () => {
  const edit = '/channels/1/messages/2';
  assert.deepEqual(requestProblems('PATCH', edit, { content: 'closes <t:1795694460:R>' }), []);
  for (const wrong of ['<t:1795694460000:R>', '<t:1795694460:X>', '<t:soon:R>']) {
    assert.deepEqual(
      requestProblems('PATCH', edit, { content: `closes ${wrong}` }).map((p) => p.field),
      ['content'],
      wrong,
    );
  }
});
