// Posting files through the adapter on its own (no bot service): the upload flow, finding the
// message that shows the upload, and what happens when Slack will not say (no files:read).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createSlackAdapter, type SlackChatAdapter } from '../../../src/bots/slack/index.js';
import { silentLog } from '../../helpers/silent-log.js';
import { FakeSlack } from './fake-slack.js';

const CHANNEL = 'C0UPLOADS';
const dir = mkdtempSync(path.join(tmpdir(), 'ff-slack-uploads-'));
let fake: FakeSlack;
let adapter: SlackChatAdapter;

before(async () => {
  fake = await new FakeSlack({
    token: 'xoxb-uploads',
    teamId: 'T0UP',
    botUserId: 'U0BOT',
    users: [],
    channels: [CHANNEL],
  }).start();
  // Not started: posting works before the adapter receives anything (restart recovery posts first).
  adapter = createSlackAdapter({
    botToken: 'xoxb-uploads',
    connection: { mode: 'http', signingSecret: 'unused', port: 0 },
    log: silentLog,
    apiUrl: fake.apiUrl,
    apiRetries: 0,
    sharePollDelays: [5, 5],
  });
});

after(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, bytes: string): string {
  const where = path.join(dir, name);
  writeFileSync(where, bytes);
  return where;
}

test('an image upload lands in the thread and its message gets the reactions', async () => {
  const thread = await adapter.post(CHANNEL, { text: 'request <!channel> & co' });
  assert.equal(fake.messages.at(-1)?.text, 'request &lt;!channel&gt; &amp; co', 'text is escaped');
  const grid = await adapter.post(CHANNEL, {
    text: 'vote',
    attachments: [{ path: file('grid.png', 'png bytes'), kind: 'image' }],
    replyTo: thread.messageId,
  });
  const shown = fake.messages.find((m) => m.ts === grid.messageId);
  assert.equal(shown?.threadTs, thread.messageId);
  assert.equal(shown?.text, 'vote');
  assert.equal(fake.files.get(shown?.fileIds[0] as string)?.data?.toString(), 'png bytes');
  await adapter.addReactions(grid, ['1️⃣', '🔄']);
  await adapter.addReactions(grid, ['1️⃣']); // again, as after a restart: no error
  assert.deepEqual(
    fake.reactions.filter((r) => r.ts === grid.messageId).map((r) => r.name),
    ['one', 'arrows_counterclockwise'],
  );
});

test('without files:read the grid gets a message of its own to react to; a video gets its file id', async () => {
  fake.missingScopes.add('files.info');
  try {
    const grid = await adapter.post(CHANNEL, {
      text: 'vote',
      attachments: [{ path: file('grid2.png', 'png'), kind: 'image' }],
    });
    const target = fake.messages.find((m) => m.ts === grid.messageId);
    assert.equal(target?.text, '⬆️ React to this message for the picture above.');
    assert.deepEqual(target?.fileIds, []);

    const video = await adapter.post(CHANNEL, {
      text: 'the video',
      attachments: [
        { path: file('clip.mp4', 'mp4 bytes'), kind: 'video' },
        { path: file('clip.gif', 'gif bytes'), kind: 'gif' },
      ],
    });
    assert.match(video.messageId, /^file:F\d+$/);
    const shown = fake.messages.find((m) => m.text === 'the video');
    assert.equal(shown?.fileIds.length, 2, 'both files in one message');
  } finally {
    fake.missingScopes.delete('files.info');
  }
});

test('an ephemeral answer without a response URL uses chat.postEphemeral in the thread', async () => {
  const ref = await adapter.post(CHANNEL, { text: 'only you', visibleTo: 'U0X', replyTo: '1.2' });
  const message = fake.messages.find((m) => m.ts === ref.messageId);
  assert.equal(message?.visibleTo, 'U0X');
  assert.equal(message?.threadTs, '1.2');
});
