// How often the status message shows progress: on Slack at most every 5 s (the adapter's floor
// under the flow's interval), while the playground in the same service keeps its own cadence.
// The job runner is stopped, so the jobs stay queued and the test reports their progress
// itself, at hand-moved times.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebChatAdapter } from '../../../src/bots/web/web-adapter.js';
import { SlackHarness } from './slack-harness.js';

let h: SlackHarness;
const web = new WebChatAdapter({ admins: [] });

before(async () => {
  h = new SlackHarness();
  h.alongside = [web];
  await h.start();
  h.bot.jobs.stop();
});

after(async () => {
  await h.cleanup();
});

const PROGRESS = /… step (\d+)\/10$/;
/** Steps 1–10 reported at these times (ms after the first). */
const REPORTS: [step: number, at: number][] = [
  [1, 0],
  [2, 1_000],
  [3, 4_999],
  [4, 5_000],
  [5, 9_000],
  [10, 9_500],
];

/** Reports the queued candidates job of `prompt` at REPORTS' times (the clock moves). */
async function reportProgress(prompt: string): Promise<void> {
  const state = await h.generation(prompt);
  assert.ok(state, `the generation of ${prompt} is open`);
  const jobId = state.rounds[0]?.jobId as string;
  const start = h.clock.now();
  for (const [step, at] of REPORTS) {
    h.clock.advance(start + at - h.clock.now());
    await h.service.runner.dispatch(state.id, { type: 'jobProgress', jobId, step, total: 10 });
  }
}

test('Slack shows progress at most every 5 s (and the last step); the playground is not slowed', async () => {
  const prompt = 'a red circle step by step';
  await h.command('alice', '/video', `${prompt} --steps 10`);
  const status = await h.waitForMessage(
    (m) => m.threadTs !== undefined && m.text.startsWith(`⏳ "${prompt}": queued, position`),
    'the queued milestone',
  );
  await reportProgress(prompt);
  const shown = [...status.history, status.text].flatMap((text) => PROGRESS.exec(text)?.[1] ?? []);
  assert.deepEqual(shown, ['1', '4', '10'], `Slack's status: ${JSON.stringify(status.history)}`);

  const webPrompt = 'a blue square step by step';
  const webEdits: string[] = [];
  const unsubscribe = web.subscribe((message) => webEdits.push(message.text));
  try {
    await web.submit('carol', `/video ${webPrompt} --steps 10`);
    await reportProgress(webPrompt);
  } finally {
    unsubscribe();
  }
  const webShown = webEdits
    .filter((text) => text.includes(webPrompt))
    .flatMap((text) => PROGRESS.exec(text)?.[1] ?? []);
  assert.deepEqual(webShown, ['1', '2', '3', '4', '5', '10'], 'every report on the playground');
});
