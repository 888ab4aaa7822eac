// The steps of a story through the fake Slack that the story tests share: Alice's first video
// (frame 3, seed 43, chosen by Bob), someone's `/video extend` up to its preview GIF with the
// bot's reactions, the story video in the extend's thread, and who was charged what.
import assert from 'node:assert/strict';
import { waitFor } from '../../wiring/stack-harness.js';
import type { FakeMessage } from './fake-slack.js';
import { BOT, USERS, type Person } from './slack-harness.js';
import type { SlackOnStack } from './slack-on-stack.js';

export const FIRST = 'a big red circle moving right';
export const NEXT = 'a red circle moving down';
/** The bot's reactions under a story's round: no 🔀. */
export const STORY_REACTIONS = [
  'one',
  'two',
  'three',
  'four',
  'arrows_counterclockwise',
  'white_check_mark',
];

export class StorySteps {
  constructor(private readonly h: SlackOnStack) {}

  /** The bot's own reaction names under a message, in the order it added them. */
  botReactions(ts: string): string[] {
    return this.h.fake.reactions.filter((r) => r.ts === ts && r.user === BOT).map((r) => r.name);
  }

  /** Alice's video of FIRST: Bob votes for frame 3 (seed 43), Alice confirms. */
  async firstVideo(): Promise<FakeMessage> {
    const { h } = this;
    const first = await h.startVideo(FIRST, '--seed 41 --steps 2');
    await h.react(USERS.bob, 'three', first.grid.ts);
    await h.waitForVotes(FIRST, { [USERS.bob]: 3 });
    await h.react(USERS.alice, 'white_check_mark', first.grid.ts);
    const video = await h.waitForMessage(
      (m) => m.threadTs === first.request.ts && m.text.startsWith('🎬') && m.fileIds.length > 0,
      'the first video',
    );
    await waitFor('the bot :fast_forward: and :repeat: under the video', () =>
      ['fast_forward', 'repeat'].every((name) => this.botReactions(video.ts).includes(name)),
    );
    return video;
  }

  /**
   * `who` sends `/video extend NEXT <options>`: acknowledged empty, repeated in the channel as
   * a thread of its own, where the preview comes with the bot's reactions.
   */
  async extend(
    who: Person,
    options: string,
  ): Promise<{ request: FakeMessage; preview: FakeMessage }> {
    const { h } = this;
    const ack = await h.command(who, '/video', `extend ${NEXT} ${options}`);
    assert.deepEqual([ack.status, ack.body], [200, '']);
    const request = await h
      .waitForMessage(
        (m) => m.text === `<@${USERS[who]}>: /video extend ${NEXT} ${options}`,
        'the extend repeated in the channel',
      )
      .catch((error: unknown) => {
        throw new Error(
          `${String(error)}; ${who} was told ${h.answersTo(ack.responseId).join('; ')}`,
        );
      });
    assert.equal(request.threadTs, undefined, 'the extend starts a thread of its own');
    const preview = await h.waitForMessage(
      (m) => m.threadTs === request.ts && m.fileIds.length > 0,
      'the continuations preview in the thread',
    );
    await waitFor('the bot reactions on the preview', () =>
      this.botReactions(preview.ts).length === STORY_REACTIONS.length ? true : undefined,
    );
    return { request, preview };
  }

  /** The story video posted in the extend's thread. */
  storyVideo(request: FakeMessage): Promise<FakeMessage> {
    return this.h.waitForMessage(
      (m) => m.threadTs === request.ts && m.text.startsWith('🎬 Story') && m.fileIds.length > 0,
      'the story video in the thread',
    );
  }

  /** Quota ledger entries of a user: `<key>:<state>`, by key. */
  async ledgerOf(userId: string): Promise<string[]> {
    const rows = await this.h.product.stack.db.quotaLedgerEntry.findMany({
      where: { user: { externalId: userId } },
      orderBy: { key: 'asc' },
    });
    return rows.map((row) => `${row.key}:${row.state}`);
  }

  /** Waits until the generation `id` (a clip) is charged: its one entry committed. */
  committed(id: string): Promise<true> {
    return waitFor(`${id} committed`, async () => {
      const row = await this.h.product.stack.db.quotaLedgerEntry.findUnique({ where: { key: id } });
      return row?.state === 'committed' ? true : undefined;
    });
  }
}
