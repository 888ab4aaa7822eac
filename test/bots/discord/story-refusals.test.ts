// Who may extend a story on Discord, on the real stack: with the channel's `extend requester`
// setting another member's /extend is refused; /extend caption:close is refused to a member and
// closes the story for a Manage Server member (audited both ways); then even the requester's
// /extend is refused, naming who closed it. Every refusal is private and charges nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditEntries } from '../../helpers/audit.js';
import { waitFor } from '../../wiring/stack-harness.js';
import { DiscordOnStack } from './discord-on-stack.js';
import { ADMIN_PERMISSIONS, type FakeInteraction } from './fake/fake-discord.js';
import { FIRST, NEXT, StorySteps } from './story-steps.js';

const EPHEMERAL = 64;
const discord = new DiscordOnStack();
const steps = new StorySteps(discord);

before(async () => {
  await discord.start();
});

after(async () => {
  await discord.cleanup();
});

/** The caller's answer to a command, checked to be seen by them alone. */
async function privateAnswer(interaction: FakeInteraction): Promise<string> {
  const answer = await waitFor('the answer', () => {
    const reply = discord.fake.world.messages.get(interaction.originalMessageId ?? '');
    return reply && reply.content !== '' ? reply : undefined;
  });
  assert.equal(answer.flags & EPHEMERAL, EPHEMERAL, `private: ${answer.content}`);
  return answer.content;
}

test(
  '/extend refused to another member under `extend requester`, closed by an admin, refused after',
  { timeout: 240_000 },
  async () => {
    const { fake, harness } = discord;
    const [alice, bob] = ['alice', 'bob'].map((name) => fake.world.addUser(name));
    const dana = fake.world.addUser('dana', ADMIN_PERMISSIONS);
    await steps.firstVideo(alice!, [bob!]);
    const db = harness.stack.db;
    const first = await steps.succeeded(FIRST);
    await steps.committed(first.id);
    const charges = await db.quotaLedgerEntry.count();

    const setting = fake.command(dana, 'settings', {
      subcommand: 'set',
      values: { extend: 'requester' },
    });
    assert.match(await privateAnswer(setting), /extend/);
    const byBob = fake.command(bob!, 'extend', { values: { caption: NEXT } });
    assert.match(
      await privateAnswer(byBob),
      new RegExp(
        `^Sorry, I can't do that: in this channel only the story's requester \\(alice\\) may extend "${FIRST}"`,
      ),
    );

    const closeByBob = fake.command(bob!, 'extend', { values: { caption: 'close' } });
    assert.match(await privateAnswer(closeByBob), /only workspace admins/);
    const closeByDana = fake.command(dana, 'extend', { values: { caption: 'close' } });
    assert.equal(
      await privateAnswer(closeByDana),
      `Done: the story "${FIRST}" is closed; /video <prompt> starts a new one.`,
    );
    await discord.message(new RegExp(`^The story "${FIRST}" is closed by dana`));
    const byAlice = fake.command(alice!, 'extend', { values: { caption: NEXT } });
    assert.match(
      await privateAnswer(byAlice),
      new RegExp(`the story "${FIRST}" was closed by dana; start a new one with /video <prompt>`),
    );

    assert.equal(await db.quotaLedgerEntry.count(), charges, 'the refusals charged nothing');
    assert.equal(await db.generation.count({ where: { prompt: NEXT } }), 0, 'nothing started');
    const closes = (await auditEntries(db)).filter((entry) => entry.action === 'story.close');
    assert.deepEqual(
      closes.map((entry) => [entry.actorName, entry.allowed]),
      [
        ['bob', false],
        ['dana', true],
      ],
    );
  },
);
