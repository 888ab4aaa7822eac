// The other slash commands through the real client: admin quota changes (refused for a
// member, done for a Manage Server member), /history, /quota and /info seen by the caller only, a
// refused /video (an ephemeral reply, never a deferral), an uploaded first frame (its file kept
// only when the request is accepted), /extend's refusals, and the registration data sent by
// deploy-commands.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PermissionFlagsBits } from 'discord.js';
import sharp from 'sharp';
import { deployCommands } from '../../../src/bots/discord/index.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { auditEntries } from '../../helpers/audit.js';
import { ADMIN_PERMISSIONS, type FakeInteraction, type FakeUser } from './fake/fake-discord.js';
import { DiscordHarness } from './harness.js';

const EPHEMERAL = 64;
let h: DiscordHarness;
let alice: FakeUser;
let bob: FakeUser;
let dana: FakeUser;

before(async () => {
  h = await new DiscordHarness().start();
  alice = h.fake.world.addUser('alice');
  bob = h.fake.world.addUser('bob');
  dana = h.fake.world.addUser('dana', ADMIN_PERMISSIONS);
});

after(async () => {
  await h?.cleanup();
});

/** The reply the caller sees (the deferred reply once answered). */
function answerTo(interaction: FakeInteraction) {
  return waitFor(() => {
    const reply = h.fake.world.messages.get(interaction.originalMessageId ?? '');
    return reply && reply.content !== '' && reply;
  }, 'the answer');
}

async function dailyLimitOf(user: FakeUser) {
  const subject = { platform: 'discord', workspaceId: h.fake.world.guildId, userId: user.id };
  return (await h.quota.status(subject, h.clock.now())).user.daily.limit;
}

test('a member without Manage Server is refused an admin command and nothing changes', async () => {
  const limitBefore = await dailyLimitOf(alice);
  const interaction = h.fake.command(bob, 'quota-admin', {
    subcommand: 'set',
    values: { period: 'daily', limit: '0' },
    users: { user: alice },
  });
  const answer = await answerTo(interaction);
  assert.match(answer.content, /only workspace admins/);
  assert.equal(answer.flags & EPHEMERAL, EPHEMERAL, 'only the caller sees it');
  assert.equal(await dailyLimitOf(alice), limitBefore);
  const [entry] = await auditEntries(h.bot.db);
  assert.equal(entry?.action, 'quota.set');
  assert.equal(entry?.actorId, bob.id);
  assert.equal(entry?.allowed, false, 'the refusal is audited');
});

test('a member with Manage Server changes a quota with /quota-admin', async () => {
  const interaction = h.fake.command(dana, 'quota-admin', {
    subcommand: 'set',
    values: { period: 'daily', limit: '2' },
    users: { user: alice },
  });
  assert.match((await answerTo(interaction)).content, /^Done/);
  assert.equal(await dailyLimitOf(alice), 2);
  const grant = h.fake.command(dana, 'quota-admin', {
    subcommand: 'grant',
    values: { amount: 3 },
    users: { user: alice },
  });
  assert.match((await answerTo(grant)).content, /^Done/);
  const quota = h.fake.command(alice, 'quota');
  const report = await answerTo(quota);
  assert.match(report.content, /Quota for alice/);
  assert.equal(report.flags & EPHEMERAL, EPHEMERAL);
});

test('/queue answers a Manage Server member and refuses a member', async () => {
  assert.match((await answerTo(h.fake.command(dana, 'queue'))).content, /^Queue: 0 waiting/);
  assert.match((await answerTo(h.fake.command(bob, 'queue'))).content, /only workspace admins/);
});

test('/info is registered for everyone and answers the caller alone', async () => {
  const interaction = h.fake.command(bob, 'info');
  const answer = await answerTo(interaction);
  assert.equal(interaction.responseType, 5, 'deferred privately at once, like /quota');
  assert.match(answer.content, /^Info for bob:/);
  assert.match(answer.content, /quota: today \d+ videos? left/);
  assert.equal(answer.flags & EPHEMERAL, EPHEMERAL);
});

test('without the permissions of a recent command, isAdmin reads the member and their roles', async () => {
  const fresh = h.fake.world.addUser('erin', ADMIN_PERMISSIONS);
  const plain = h.fake.world.addUser('frank');
  assert.equal(await h.adapter.isAdmin(h.fake.world.guildId, fresh.id), true);
  assert.equal(await h.adapter.isAdmin(h.fake.world.guildId, plain.id), false);
  assert.ok(h.fake.rest.calls('GET', new RegExp(`/members/${fresh.id}$`)).length === 1);
});

test('a refused /video is an ephemeral reply: never deferred, nothing deleted', async () => {
  // Discord's client offers the three schedulers only; the bot checks again all the same.
  const interaction = h.fake.command(alice, 'video', {
    values: { prompt: 'a red circle', scheduler: 'lms' },
  });
  const refusal = await h.waitForMessage(/scheduler "lms" is unknown/);
  assert.equal(refusal.flags & EPHEMERAL, EPHEMERAL);
  assert.equal(refusal.via, 'interaction', 'the reply itself, not a follow-up');
  assert.equal(interaction.responseType, 4, 'answered with a message, not deferred');
  assert.equal(refusal.id, interaction.originalMessageId);
  assert.ok(!h.fake.rest.calls('DELETE', /\/webhooks\//).length, 'nothing public to delete');
});

test("/extend is the core's /video extend, its options included; refusals are ephemeral", async () => {
  // Before any video in the channel (the next tests make some).
  const wrong = h.fake.command(alice, 'extend', {
    values: { caption: 'a red circle moving down', scheduler: 'lms' },
  });
  const usage = await h.waitForMessage(/scheduler "lms" is unknown[\s\S]*Usage: \/video extend/);
  assert.equal(usage.flags & EPHEMERAL, EPHEMERAL);
  assert.equal(wrong.responseType, 4, 'answered with a message, not deferred');
  const early = h.fake.command(alice, 'extend', { values: { caption: 'a red circle', seed: 5 } });
  assert.match((await answerTo(early)).content, /no video in this channel to extend yet/);
  // The text form the ⏩ hint names works in /video's prompt too.
  const typed = h.fake.command(bob, 'video', { values: { prompt: 'extend a red circle' } });
  assert.match((await answerTo(typed)).content, /no video in this channel to extend yet/);
  const close = h.fake.command(bob, 'extend', { values: { caption: 'close' } });
  assert.match((await answerTo(close)).content, /only workspace admins/);
  const closeByAdmin = h.fake.command(dana, 'extend', { values: { caption: 'close' } });
  assert.match((await answerTo(closeByAdmin)).content, /no video in this channel, so no story/);
});

test('/video with an image skips the vote and animates the upload', async () => {
  const png = await sharp({
    create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 30, b: 30 } },
  })
    .png()
    .toBuffer();
  h.fake.command(alice, 'video', {
    values: { prompt: 'a red square' },
    attachment: { option: 'image', name: 'frame.png', contentType: 'image/png', data: png },
  });
  const result = await h.waitForMessage(/🎬 "a red square"/);
  assert.match(result.content, /the uploaded image/);
  assert.equal(result.files[0]?.filename, 'video.mp4');
});

test('/video with an image cut short is refused before anything is queued', async () => {
  const png = await sharp({
    create: { width: 64, height: 64, channels: 3, background: { r: 30, g: 30, b: 200 } },
  })
    .png()
    .toBuffer();
  const interaction = h.fake.command(bob, 'video', {
    values: { prompt: 'a blue square' },
    attachment: {
      option: 'image',
      name: 'frame.png',
      contentType: 'image/png',
      data: png.subarray(0, png.length - 20),
    },
  });
  const refusal = await h.waitForMessage(/cut short/);
  assert.equal(refusal.flags & EPHEMERAL, EPHEMERAL);
  assert.equal(interaction.responseType, 4, 'answered with a message, not deferred');
});

test('the image of a refused /video is deleted at once; an accepted one is kept for the engine', async () => {
  const uploads = () => {
    try {
      return readdirSync(path.join(h.dir, 'uploads')).sort();
    } catch {
      return []; // nothing downloaded yet
    }
  };
  const png = await sharp({
    create: { width: 32, height: 32, channels: 3, background: { r: 30, g: 200, b: 30 } },
  })
    .png()
    .toBuffer();
  const withImage = (name: string, data: Buffer, values: Record<string, string>) =>
    h.fake.command(bob, 'video', {
      values,
      attachment: { option: 'image', name, contentType: 'image/png', data },
    });
  const kept = uploads();
  // Each refusal names what only this request has, so the wait is for this one's answer.
  withImage('dot.png', png, { prompt: 'a green dot', scheduler: 'zigzag' });
  await h.waitForMessage(/scheduler "zigzag" is unknown/);
  withImage('ring.png', png.subarray(0, png.length - 20), { prompt: 'a green ring' });
  await h.waitForMessage(/"ring.png" is cut short/);
  // The refusal is sent first; the adapter deletes the file once the service is done with it.
  // (An earlier test's refused file may still be going: only new files count.)
  const added = () => uploads().filter((file) => !kept.includes(file));
  await waitFor(() => added().length === 0, 'the refused images deleted');

  withImage('square.png', png, { prompt: 'a green square' });
  await h.waitForMessage(/🎬 "a green square"/);
  assert.equal(added().length, 1, 'the accepted image stays');
});

test("/history lists the caller's videos, to the caller only", async () => {
  const interaction = h.fake.command(alice, 'history', { values: { scope: 'mine' } });
  const answer = await answerTo(interaction);
  assert.match(answer.content, /a red square/);
  assert.equal(answer.flags & EPHEMERAL, EPHEMERAL);
});

test('deploy-commands registers every command in a server, or globally', async () => {
  const options = {
    token: h.fake.token,
    applicationId: h.fake.world.applicationId,
    api: h.fake.api,
  };
  const names = await deployCommands({ ...options, guildId: h.fake.world.guildId });
  assert.deepEqual(names, [
    'video',
    'extend',
    'history',
    'quota',
    'quota-admin',
    'info',
    'queue',
    'settings',
    'help',
  ]);
  const [guildPut] = h.fake.rest.calls('PUT', /\/guilds\/\d+\/commands$/);
  const body = guildPut?.body as { json: Record<string, unknown>[] };
  const byName = new Map(body.json.map((command) => [command.name, command]));
  const manageGuild = PermissionFlagsBits.ManageGuild.toString();
  assert.equal(byName.get('quota-admin')?.default_member_permissions, manageGuild);
  assert.equal(byName.get('queue')?.default_member_permissions, manageGuild);
  assert.equal(byName.get('video')?.default_member_permissions, undefined);
  assert.equal(byName.get('info')?.default_member_permissions, undefined);
  const video = byName.get('video') as {
    options: { name: string; required?: boolean; autocomplete?: boolean }[];
  };
  assert.deepEqual(
    video.options.map((option) => option.name),
    ['prompt', 'seed', 'steps', 'guidance', 'scheduler', 'negative', 'fps', 'image'],
  );
  assert.equal(video.options[0]?.required, true);
  assert.equal(video.options[0]?.autocomplete, true, 'the prompt completes its next word');
  const extend = byName.get('extend') as typeof video;
  assert.deepEqual(
    extend.options.map((option) => option.name),
    ['caption', 'seed', 'steps', 'guidance', 'scheduler', 'negative'],
    "a story keeps its first video's fps and takes no image",
  );
  assert.equal(extend.options[0]?.required, true);
  assert.equal(extend.options[0]?.autocomplete, true, 'the caption completes its next word');
  assert.equal(byName.get('extend')?.default_member_permissions, undefined, 'for everyone');
  const help = byName.get('help') as { options: { name: string; choices?: { value: string }[] }[] };
  assert.deepEqual(
    help.options[0]?.choices?.map((choice) => choice.value),
    ['words'],
  );
  await deployCommands(options);
  assert.equal(h.fake.rest.calls('PUT', /^\/applications\/\d+\/commands$/).length, 1);
});

test('/video prompt:vary <n> answers the interaction: refused with no vote open, else round 2 varies that frame', async () => {
  const carol = h.fake.world.addUser('carol');
  const early = h.fake.command(carol, 'video', { values: { prompt: 'vary 2' } });
  const none = await answerTo(early);
  assert.match(none.content, /You have no vote open here/);
  assert.equal(none.flags & EPHEMERAL, EPHEMERAL);

  h.fake.command(carol, 'video', { values: { prompt: 'a green square moving up', steps: 1 } });
  await h.waitForMessage(/^🗳️ Round 1 for "a green square moving up"/);
  const asked = h.fake.command(carol, 'video', { values: { prompt: 'vary 3' } });
  assert.match((await answerTo(asked)).content, /Four variations of frame 3 are on their way/);
  await h.waitForMessage(/^🗳️ Round 2 for "a green square moving up" \(variations of frame 3/);
});
