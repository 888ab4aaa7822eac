// /settings through the playground's HTTP API: a user who is no admin is refused (audited,
// nothing stored); an admin from PLAYGROUND_ADMINS and one from the admin link change the
// channel's defaults; a /video then takes them (the queued job, the grid's words); a restart
// keeps the channel's settings.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWebServer, type WebServer } from '../../../src/bots/web/server.js';
import type { FlowJob } from '../../../src/core/flow/index.js';
import { auditEntries } from '../../helpers/audit.js';
import { waitFor } from '../../helpers/manual-clock.js';
import { silentLog } from '../../helpers/silent-log.js';
import { Harness } from '../../service/service-harness.js';
import { adminLogin, WebClient } from './web-client.js';

let harness: Harness;
let web: WebServer;
let client: WebClient;

before(async () => {
  harness = await new Harness().start(); // admins: ['admin']
  web = await startWebServer({
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
    adapter: harness.adapter,
  });
  client = new WebClient(web.url, web.access.token);
});

after(async () => {
  await web.close();
  await harness.cleanup();
});

/** Types `text` as `user` (or with the cookies of an admin-link login); returns the answer. */
async function ask(text: string, as: string | { cookie: string }, user?: string) {
  const response =
    typeof as === 'string'
      ? await client.post('/api/command', { text }, as)
      : await fetch(new URL('/api/command', web.url), {
          method: 'POST',
          headers: { cookie: as.cookie, 'content-type': 'application/json' },
          body: JSON.stringify({ text }),
        });
  const body = (await response.json()) as { id?: string; error?: string };
  assert.equal(response.status, 200, body.error);
  const who = typeof as === 'string' ? as : (user as string);
  return waitFor(
    () => harness.adapter.history(who).find((m) => m.author.isBot && m.replyTo === body.id),
    `the answer to ${text}`,
  );
}

test('a user who is no admin is refused: told what is open, nothing stored, audited', async () => {
  const answer = await ask('/settings set steps 4', 'gina');
  assert.equal(
    answer.text,
    "Sorry, only workspace admins can use /settings that way. Everyone can see this channel's settings with /settings show.",
  );
  assert.equal(answer.visibleTo, 'gina');
  assert.match((await ask('/settings', 'gina')).text, /• steps: the model's own \(default\)/);
  const [entry] = await auditEntries(harness.bot.db);
  assert.deepEqual(
    [entry?.actorId, entry?.action, entry?.allowed],
    ['gina', 'settings.set', false],
  );
});

test('admins (configured, or by the admin link) change the defaults; a /video takes them; a restart keeps them', async () => {
  const set = await ask('/settings set vote-window 45s steps 4 guidance 5 fps 16', 'admin');
  assert.match(
    set.text,
    /^Done: vote-window set to 45s, steps set to 4, guidance set to 5, fps set to 16/,
  );
  const boss = await adminLogin(web.adminUrl, 'boss');
  const reset = await ask('/settings reset guidance', boss, 'boss');
  assert.equal(reset.text, 'Done: guidance is back to the default in this channel.');
  assert.deepEqual(
    (await auditEntries(harness.bot.db))
      .slice(-2)
      .map((e) => `${e.actorId}:${e.action}:${e.allowed}`),
    ['admin:settings.set:true', 'boss:settings.reset:true'],
  );

  const jobs: FlowJob[] = [];
  const enqueue = harness.jobs.enqueue.bind(harness.jobs);
  harness.jobs.enqueue = (job) => {
    jobs.push(job);
    return enqueue(job);
  };
  await client.post('/api/command', { text: '/video a green circle moving down --seed 2' }, 'gina');
  const grid = await harness.waitForMessage(/Round 1 for "a green circle moving down"/, 'gina');
  assert.match(grid.text, /Voting closes in 45 s;/);
  assert.deepEqual(
    jobs.map((job) => [job.kind, job.steps, job.guidance]),
    [['candidates', 4, undefined]],
    "the channel's steps; guidance was reset, so the model's own",
  );
  // The window ends 45 s after the grid: the animation job asks for the channel's fps.
  harness.clock.advance(45_000);
  const animation = await waitFor(
    () => jobs.find((job) => job.kind === 'animation'),
    'the animation job',
  );
  assert.equal(animation.kind === 'animation' && animation.fps, 16);

  await harness.stop();
  await harness.start();
  const show = await ask('/settings show', 'gina');
  assert.match(show.text, /• vote-window: 45s \(set here\)/);
  assert.match(show.text, /• steps: 4 \(set here\)/);
  assert.match(show.text, /• guidance: the model's own \(default\)/);
  assert.match(show.text, /• fps: 16 \(set here\)/);
});
