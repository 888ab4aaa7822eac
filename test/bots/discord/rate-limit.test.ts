// Discord answers 429 with Retry-After when a client goes too fast; discord.js' REST queue must
// wait that long and send the request again, so every reaction still lands, in order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DiscordHarness } from './harness.js';

let h: DiscordHarness;

before(async () => {
  h = await new DiscordHarness().start();
});

after(async () => {
  await h?.cleanup();
});

test('a 429 with retry_after is waited out and the reaction sent again', async () => {
  const ref = await h.adapter.post(h.fake.world.channelId, { text: 'vote here' });
  const retryAfter = 0.6;
  h.fake.rest.injectOnce((method, path) => method === 'PUT' && path.includes('/reactions/'), {
    status: 429,
    body: { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
    headers: { 'retry-after': String(retryAfter), 'x-ratelimit-scope': 'user' },
  });
  const emojis = ['1️⃣', '2️⃣', '3️⃣'];
  await h.adapter.addReactions(ref, emojis);

  const message = h.fake.world.messages.get(ref.messageId)!;
  assert.deepEqual([...message.reactions.keys()], emojis, 'every reaction, in order');
  const calls = h.fake.rest.calls('PUT', /\/reactions\//);
  const [refused, retried] = calls;
  assert.equal(refused?.status, 429);
  assert.equal(retried?.path, refused?.path, 'the same reaction again');
  assert.equal(retried?.status, 204);
  const waited = retried!.at - refused!.at;
  assert.ok(waited >= retryAfter * 1000, `waited ${waited} ms of the ${retryAfter * 1000} asked`);
});
