// The steps of a story on Discord on the real stack, shared by the story tests: Alice's first
// video, the story round of /extend (its preview GIF and reactions checked), the story's message
// (both clips checked). Captions and seeds are fixed here so the checks can name them.
import assert from 'node:assert/strict';
import {
  EXTEND_EMOJI,
  RETAKE_EMOJI,
  STORY_ROUND_REACTIONS,
  VARY_EMOJI,
} from '../../../src/core/flow/emoji.js';
import { waitFor } from '../../wiring/stack-harness.js';
import type { DiscordOnStack } from './discord-on-stack.js';
import type { FakeMessage, FakeUser } from './fake/fake-discord.js';

export const FIRST = 'a big red circle moving right';
export const NEXT = 'a red circle moving down';
/** /extend's seed: continuation 2 is drawn with seed 8. */
export const NEXT_SEED = 7;

export class StorySteps {
  constructor(private readonly discord: DiscordOnStack) {}

  botHas(message: FakeMessage, emoji: string): boolean {
    return message.reactions.get(emoji)?.includes(this.discord.fake.world.bot.id) === true;
  }

  async votesStored(count: number): Promise<void> {
    const db = this.discord.harness.stack.db;
    await waitFor(
      `${count} votes stored`,
      async () => (await db.vote.count()) === count || undefined,
    );
  }

  /** A finished generation's row (in the database of the stack now running). */
  succeeded(prompt: string) {
    return waitFor(`"${prompt}" marked succeeded`, async () => {
      const row = await this.discord.harness.stack.db.generation.findFirst({ where: { prompt } });
      return row?.status === 'succeeded' ? row : undefined;
    });
  }

  /** The clip's reservation committed (after its post): its one ledger entry. */
  async committed(generationId: string): Promise<void> {
    const db = this.discord.harness.stack.db;
    await waitFor(`${generationId}'s quota committed`, async () => {
      const entries = await db.quotaLedgerEntry.findMany({ where: { key: generationId } });
      assert.ok(entries.length <= 1, 'one charge per clip');
      return entries[0]?.state === 'committed';
    });
  }

  /** Alice's /video of FIRST, voted 3️⃣ by `voters` and closed by her ✅: its posted message. */
  async firstVideo(alice: FakeUser, voters: FakeUser[]): Promise<FakeMessage> {
    const { fake } = this.discord;
    fake.command(alice, 'video', { values: { prompt: FIRST, seed: 41, steps: 2 } });
    const round = await this.discord.message(
      /^🗳️ Round 1 for "a big red circle/,
      (m) => m.files.length === 1,
    );
    await waitFor('the bot reactions', () => this.botHas(round, '✅'));
    for (const voter of voters) fake.react(voter, round, '3️⃣');
    await this.votesStored(voters.length);
    fake.react(alice, round, '✅');
    const video = await this.discord.message(/^🎬 "a big red circle/, (m) => m.files.length > 0);
    await waitFor(
      '⏩ and 🔁 under the video',
      () => this.botHas(video, EXTEND_EMOJI) && this.botHas(video, RETAKE_EMOJI),
    );
    return video;
  }

  /** `user`'s /extend of the newest video with NEXT. */
  extend(user: FakeUser): void {
    this.discord.fake.command(user, 'extend', {
      values: { caption: NEXT, seed: NEXT_SEED, steps: 2 },
    });
  }

  /** The story round's message once the bot has reacted under it, checked as a story's. */
  async storyRound(): Promise<FakeMessage> {
    const round = await this.discord.message(
      new RegExp(`^🗳️ Round 1 for "${NEXT}" \\(clip 2 of "${FIRST}"\\)`),
      (m) => m.files.length === 1,
    );
    assert.match(round.content, /Seeds: 7, 8, 9, 10\./);
    assert.match(round.files[0]!.filename, /\.gif$/, 'the preview of four continuations is a GIF');
    assert.equal(round.files[0]!.contentType, 'image/gif');
    await waitFor('the story round reactions', () =>
      STORY_ROUND_REACTIONS.every((emoji) => this.botHas(round, emoji)),
    );
    assert.equal(round.reactions.get(VARY_EMOJI), undefined, 'no 🔀 under continuations');
    assert.deepEqual([...round.reactions.keys()], STORY_ROUND_REACTIONS);
    return round;
  }

  /** The story's messages with files (one, once posted), the latest checked: both clips with
   * caption, seed and voters, and one MP4. */
  async storyVideo(voters: string): Promise<FakeMessage> {
    const story = await this.discord.message(/^🎬 Story /, (m) => m.files.length > 0);
    const lines = story.content.split('\n');
    assert.equal(lines[0], `🎬 Story "${FIRST}", 2 clips, for alice:`);
    assert.equal(lines[1], `1. "${FIRST}": seed 43, chosen by ${voters}`);
    assert.equal(lines[2], `2. "${NEXT}": seed 8, chosen by ${voters}`);
    assert.match(
      lines[3] ?? '',
      /^Clip 2: continuation 2 of round 1; cost: 1 video of alice's quota\. ⏩/,
    );
    // The MP4 plays on Discord itself; the GIF is only posted when the MP4 cannot be.
    assert.deepEqual(
      story.files.map((file) => file.contentType),
      ['video/mp4'],
    );
    return story;
  }
}
