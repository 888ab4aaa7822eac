// What the adapter reports from Discord's reaction events: every reaction, the bot's own
// included (flagged isBot, so the flow can ignore it), and reactions taken back; every emoji the
// flow uses (votes, 🔄 🔀 ✅, 🔁 and ⏩ under videos) as the same unicode both ways.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { IncomingReaction } from '../../../src/bots/chat-adapter.js';
import { createDiscordAdapter, type DiscordChatAdapter } from '../../../src/bots/discord/index.js';
import { EXTEND_EMOJI, RETAKE_EMOJI, ROUND_REACTIONS } from '../../../src/core/flow/emoji.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { silentLog } from '../../helpers/silent-log.js';
import { FakeDiscord } from './fake/fake-discord.js';

let fake: FakeDiscord;
let adapter: DiscordChatAdapter;
let dir: string;
const seen: IncomingReaction[] = [];

before(async () => {
  fake = await FakeDiscord.start();
  dir = mkdtempSync(path.join(tmpdir(), 'ff-discord-reactions-'));
  adapter = createDiscordAdapter({
    token: fake.token,
    applicationId: fake.world.applicationId,
    log: silentLog,
    uploadDir: dir,
    api: fake.api,
  });
  await adapter.start({
    command: async () => {},
    reaction: async (reaction) => {
      seen.push(reaction);
    },
  });
});

after(async () => {
  await adapter?.stop();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('reaction events become IncomingReactions, the bot flagged as a bot', async () => {
  const ref = await adapter.post(fake.world.channelId, { text: 'vote' });
  const message = fake.world.messages.get(ref.messageId)!;
  const zoe = fake.world.addUser('zoe');
  await adapter.addReactions(ref, ['1️⃣']);
  fake.react(zoe, message, '2️⃣');
  fake.react(zoe, message, '2️⃣', false);
  await waitFor(() => seen.length === 3, 'three reaction events');
  const base = {
    workspaceId: fake.world.guildId,
    channelId: ref.channelId,
    messageId: ref.messageId,
  };
  assert.deepEqual(seen, [
    {
      ...base,
      user: { id: fake.world.bot.id, name: 'firstframe', isBot: true },
      emoji: '1️⃣',
      added: true,
    },
    { ...base, user: { id: zoe.id, name: 'zoe', isBot: false }, emoji: '2️⃣', added: true },
    { ...base, user: { id: zoe.id, name: 'zoe', isBot: false }, emoji: '2️⃣', added: false },
  ]);
});

test("removeReaction takes a member's reaction back", async () => {
  const ref = await adapter.post(fake.world.channelId, { text: 'vote again' });
  const message = fake.world.messages.get(ref.messageId)!;
  const yann = fake.world.addUser('yann');
  fake.react(yann, message, '3️⃣');
  await adapter.removeReaction(ref, '3️⃣', yann.id);
  assert.deepEqual(message.reactions.get('3️⃣'), []);
});

test('every reaction the flow uses goes out and comes back as the same unicode', async () => {
  const everyEmoji = [...new Set([...ROUND_REACTIONS, RETAKE_EMOJI, EXTEND_EMOJI])];
  const ref = await adapter.post(fake.world.channelId, { text: 'every reaction' });
  const message = fake.world.messages.get(ref.messageId)!;
  await adapter.addReactions(ref, everyEmoji);
  assert.deepEqual([...message.reactions.keys()], everyEmoji, 'as Discord stores them');
  const xavi = fake.world.addUser('xavi');
  fake.react(xavi, message, EXTEND_EMOJI);
  const onThis = () => seen.filter((reaction) => reaction.messageId === ref.messageId);
  await waitFor(() => onThis().length === everyEmoji.length + 1, 'every reaction event');
  assert.deepEqual(
    onThis().map((reaction) => [reaction.emoji, reaction.user.isBot]),
    [...everyEmoji.map((emoji) => [emoji, true]), [EXTEND_EMOJI, false]],
  );
});
