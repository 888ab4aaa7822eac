import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FLOW_CONFIG,
  reduce,
  resumeEffects,
  startGeneration,
  withTime,
  type GenerationState,
} from '../../src/core/flow/index.js';
import {
  ALICE,
  BOB,
  BOT,
  CAROL,
  DAVE,
  effectsOf,
  enqueued,
  FlowDriver,
  votingDriver,
} from './flow-driver.js';

const WINDOW = DEFAULT_FLOW_CONFIG.voteWindowMs;

test('a request replies "queued", enqueues 4 candidates with derived seeds, shows position and progress', () => {
  const driver = new FlowDriver();
  const [post, enqueue] = driver.effects;
  assert.deepEqual(post, {
    type: 'post',
    key: 'status',
    message: { text: '⏳ "a red circle": queued.', replyTo: 'm-request' },
  });
  assert.equal(enqueue?.type === 'enqueue' && enqueue.job.kind, 'candidates');
  const [job] = enqueued(driver.effects);
  assert.deepEqual(job && job.kind === 'candidates' && [job.jobId, job.seeds], [
    'candidates-gen1-r1',
    [100, 101, 102, 103],
  ]);
  assert.deepEqual(driver.state.quotaKeys, ['gen1']);

  const queued = driver.send({ type: 'jobQueued', jobId: 'candidates-gen1-r1', position: 2 });
  assert.deepEqual(queued, [
    { type: 'edit', key: 'status', text: '⏳ "a red circle": queued, position 2 in the queue.' },
  ]);

  const first = driver.send({
    type: 'jobProgress',
    jobId: 'candidates-gen1-r1',
    step: 1,
    total: 10,
  });
  assert.equal(driver.state.phase, 'generating');
  assert.match(effectsOf(first, 'edit')[0]?.text ?? '', /drawing 4 first frames… step 1\/10/);
  driver.advance(100);
  assert.deepEqual(
    driver.send({ type: 'jobProgress', jobId: 'candidates-gen1-r1', step: 2, total: 10 }),
    [],
    'throttled',
  );
  assert.equal(
    driver.send({ type: 'jobProgress', jobId: 'candidates-gen1-r1', step: 10, total: 10 }).length,
    1,
    'last step shown',
  );
  assert.deepEqual(
    driver.send({ type: 'jobProgress', jobId: 'other-job', step: 5, total: 10 }),
    [],
  );
});

test('the grid is posted with 1️⃣-4️⃣ 🔄 🔀 ✅ and a timer at the absolute end of the window', () => {
  const driver = new FlowDriver();
  const effects = driver.candidatesReady();
  assert.equal(driver.state.phase, 'voting');
  const post = effectsOf(effects, 'post')[0];
  assert.deepEqual(post?.message.attachments, [{ path: '/art/gen1/r1-grid.png', kind: 'image' }]);
  assert.match(
    post?.message.text ?? '',
    /Round 1 .*Voting closes in 60 s; alice can close it early with ✅/,
  );
  assert.deepEqual(effectsOf(effects, 'react')[0], {
    type: 'react',
    key: 'round:1',
    emojis: ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '🔄', '🔀', '✅'],
  });
  assert.deepEqual(effectsOf(effects, 'setTimer'), [
    { type: 'setTimer', round: 1, at: driver.now + WINDOW },
  ]);
  assert.equal(driver.state.rounds[0]?.closesAt, driver.now + WINDOW);
  assert.deepEqual(driver.candidatesReady(), [], 'a duplicated result changes nothing');
});

test('one vote per user per round: change replaces (and takes back the old reaction), removal removes', () => {
  const driver = votingDriver();
  driver.react(BOB, '1️⃣');
  assert.deepEqual(driver.round.votes[BOB.id]?.choice, 1);
  const change = driver.react(BOB, '3️⃣');
  assert.equal(driver.round.votes[BOB.id]?.choice, 3);
  assert.deepEqual(change, [{ type: 'unreact', key: 'round:1', emoji: '1️⃣', userId: BOB.id }]);
  // The platform's removal of the superseded reaction comes back as an event: no effect on the vote.
  driver.react(BOB, '1️⃣', false);
  assert.equal(driver.round.votes[BOB.id]?.choice, 3);
  driver.react(BOB, '3️⃣', false);
  assert.equal(driver.round.votes[BOB.id], undefined);
  driver.react(CAROL, '2️⃣');
  driver.react(CAROL, '2️⃣');
  assert.equal(Object.keys(driver.round.votes).length, 1);
});

test("the bot's own reactions, other bots, unknown emoji and other messages never count", () => {
  const driver = votingDriver();
  for (const emoji of ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '🔄', '🔀', '✅'])
    driver.react(BOT, emoji, true, true);
  driver.react(BOB, '🎉');
  driver.send({
    type: 'reaction',
    messageId: 'm-status',
    user: CAROL,
    emoji: '2️⃣',
    added: true,
    fromBot: false,
  });
  assert.deepEqual(driver.round.votes, {});
  assert.equal(driver.state.phase, 'voting');
});

test('the timer closes the round: the most voted frame is animated with its own seed', () => {
  const driver = votingDriver();
  driver.react(BOB, '2️⃣');
  driver.react(CAROL, '2️⃣');
  driver.react(DAVE, '4️⃣');
  driver.advance(WINDOW - 1);
  assert.equal(
    effectsOf(driver.send({ type: 'timer', round: 1 }), 'setTimer').length,
    1,
    'early: set again',
  );
  assert.equal(driver.state.phase, 'voting');
  driver.advance(1);
  const effects = driver.send({ type: 'timer', round: 1 });
  assert.equal(driver.state.phase, 'animating');
  const [job] = enqueued(effects);
  assert.deepEqual(job, {
    kind: 'animation',
    jobId: 'animation-gen1',
    generationId: 'gen1',
    imagePath: '/art/gen1/r1-2.png',
    prompt: 'a red circle',
    seed: 101,
    steps: 10,
    guidance: 5,
    scheduler: 'ddim',
  });
  const closed = effectsOf(effects, 'edit').find((edit) => edit.key === 'round:1');
  assert.match(closed?.text ?? '', /frame 2 wins \(1️⃣ 0 · 2️⃣ 2 · 3️⃣ 0 · 4️⃣ 1 · 🔄 0\)/);
  assert.deepEqual(effectsOf(effects, 'cancelTimer').length, 1);
  driver.react(BOB, '4️⃣');
  assert.equal(driver.state.rounds[0]?.votes[BOB.id]?.choice, 2, 'votes after closing are ignored');
});

test('ties go to the frame that reached the winning count first', () => {
  const driver = votingDriver();
  driver.react(BOB, '2️⃣');
  driver.react(CAROL, '3️⃣');
  driver.react(DAVE, '3️⃣'); // 3️⃣ reaches 2 here
  driver.react(ALICE, '2️⃣'); // 2️⃣ reaches 2 later
  driver.advance(WINDOW);
  driver.send({ type: 'timer', round: 1 });
  assert.equal(driver.state.chosen?.candidate, 3);

  const other = votingDriver();
  other.react(BOB, '4️⃣');
  other.react(CAROL, '1️⃣');
  other.react(BOB, '1️⃣'); // 1️⃣ reaches 2, 4️⃣ drops to 0
  other.react(DAVE, '4️⃣');
  other.react(ALICE, '4️⃣'); // 4️⃣ reaches 2 last
  other.advance(WINDOW);
  other.send({ type: 'timer', round: 1 });
  assert.equal(other.state.chosen?.candidate, 1);
});

test('nobody voted: frame 1 is animated and the message says so', () => {
  const driver = votingDriver();
  driver.advance(WINDOW);
  const effects = driver.send({ type: 'timer', round: 1 });
  assert.equal(driver.state.chosen?.candidate, 1);
  assert.match(
    effectsOf(effects, 'edit')
      .map((e) => e.text)
      .join('\n'),
    /nobody voted so frame 1 is used/,
  );
});

test('✅ from the requester closes early only after a choice; ✅ from others is taken back with a private note', () => {
  const driver = votingDriver();
  const early = driver.react(ALICE, '✅');
  assert.deepEqual(early, [
    {
      type: 'post',
      message: {
        text: 'Vote for a frame first (1️⃣ 2️⃣ 3️⃣ 4️⃣), then ✅ closes the vote.',
        visibleTo: ALICE.id,
      },
    },
  ]);
  driver.react(BOB, '4️⃣');
  const fromBob = driver.react(BOB, '✅');
  assert.equal(driver.state.phase, 'voting');
  assert.deepEqual(fromBob, [
    { type: 'unreact', key: 'round:1', emoji: '✅', userId: BOB.id },
    {
      type: 'post',
      message: {
        text: 'Only the requester (alice) can close this vote with ✅; your frame votes count until it closes.',
        visibleTo: BOB.id,
      },
    },
  ]);
  assert.deepEqual(driver.react(BOB, '✅', false), [], 'taking it back says nothing');
  driver.react(ALICE, '✅');
  assert.equal(driver.state.phase, 'animating');
  const outcome = driver.state.rounds[0]?.outcome;
  assert.deepEqual(outcome?.kind === 'winner' && [outcome.candidate, outcome.reason], [
    4,
    'confirmed',
  ]);
});

test('a 🔄 majority at the deadline starts round 2 with new seeds; old-round reactions are ignored', () => {
  const driver = votingDriver();
  const round1 = driver.roundMessage(1);
  driver.react(BOB, '🔄');
  driver.react(CAROL, '🔄');
  driver.react(DAVE, '1️⃣');
  driver.advance(WINDOW);
  const effects = driver.send({ type: 'timer', round: 1 });
  assert.equal(driver.state.phase, 'queued');
  assert.equal(driver.state.rounds.length, 2);
  const [job] = enqueued(effects);
  assert.deepEqual(job?.kind === 'candidates' && [job.jobId, job.seeds], [
    'candidates-gen1-r2',
    [104, 105, 106, 107],
  ]);
  assert.deepEqual(driver.state.rounds[0]?.outcome?.kind, 'regenerate');
  assert.deepEqual(driver.state.quotaKeys, ['gen1'], 'regenerating is free by default');

  driver.candidatesReady();
  assert.notEqual(driver.roundMessage(2), round1);
  driver.send({
    type: 'reaction',
    messageId: round1,
    user: BOB,
    emoji: '3️⃣',
    added: true,
    fromBot: false,
  });
  assert.deepEqual(driver.round.votes, {});
  driver.react(BOB, '3️⃣');
  driver.advance(WINDOW);
  driver.send({ type: 'timer', round: 2 });
  assert.deepEqual(
    [driver.state.chosen?.round, driver.state.chosen?.candidate, driver.state.chosen?.seed],
    [2, 3, 106],
  );
});

test('a 🔄 minority does not regenerate', () => {
  const driver = votingDriver();
  driver.react(BOB, '🔄');
  driver.react(CAROL, '1️⃣');
  driver.advance(WINDOW);
  driver.send({ type: 'timer', round: 1 });
  assert.equal(driver.state.phase, 'animating');
  assert.equal(driver.state.chosen?.candidate, 1);
});

test("the requester's 🔄 starts a new round at once; the round limit is respected", () => {
  const driver = votingDriver({ ...DEFAULT_FLOW_CONFIG, maxRounds: 2 });
  driver.react(ALICE, '🔄');
  assert.equal(driver.state.rounds.length, 2);
  assert.equal(
    driver.state.rounds[0]?.outcome?.kind === 'regenerate' && driver.state.rounds[0].outcome.by,
    'requester',
  );
  driver.candidatesReady();
  const refused = driver.react(ALICE, '🔄');
  assert.match(effectsOf(refused, 'post')[0]?.message.text ?? '', /at most 2 rounds/);
  assert.equal(driver.state.rounds.length, 2);
  driver.react(BOB, '🔄');
  driver.advance(WINDOW);
  driver.send({ type: 'timer', round: 2 });
  const outcome = driver.state.rounds[1]?.outcome;
  assert.deepEqual(outcome?.kind === 'winner' && [outcome.candidate, outcome.reason], [
    1,
    'no-more-rounds',
  ]);
});

test('when new rounds cost quota: reserve first, then regenerate; a refusal animates the best frame', () => {
  const config = { ...DEFAULT_FLOW_CONFIG, regenerateCostsQuota: true };
  const driver = votingDriver(config);
  const effects = driver.react(ALICE, '🔄');
  assert.deepEqual(effectsOf(effects, 'reserveQuota'), [
    { type: 'reserveQuota', key: 'gen1-round-2' },
  ]);
  assert.equal(driver.state.phase, 'awaiting-quota');
  driver.send({ type: 'quotaReserved', key: 'gen1-round-2' });
  assert.equal(driver.state.rounds.length, 2);
  assert.deepEqual(driver.state.quotaKeys, ['gen1', 'gen1-round-2']);

  const denied = votingDriver(config);
  denied.react(BOB, '2️⃣');
  denied.react(ALICE, '🔄');
  const refusal = denied.send({
    type: 'quotaDenied',
    key: 'gen1-round-2',
    reason: 'daily limit 3 reached',
  });
  assert.match(
    effectsOf(refusal, 'post')[0]?.message.text ?? '',
    /No new frames: daily limit 3 reached/,
  );
  assert.equal(effectsOf(refusal, 'post')[0]?.message.visibleTo, ALICE.id, 'a note to alice');
  assert.match(
    effectsOf(refusal, 'edit').find((edit) => edit.key === 'round:1')?.text ?? '',
    /frame 2 wins, no quota left for new frames/,
    'the channel sees why on the grid',
  );
  assert.equal(denied.state.phase, 'animating');
  assert.equal(denied.state.chosen?.candidate, 2);
  assert.deepEqual(denied.state.quotaKeys, ['gen1']);
});

test('the video is posted as a reply with prompt, seed and tally, and the quota is committed', () => {
  const driver = votingDriver({ ...DEFAULT_FLOW_CONFIG, regenerateCostsQuota: true });
  driver.react(ALICE, '🔄');
  driver.send({ type: 'quotaReserved', key: 'gen1-round-2' });
  driver.candidatesReady();
  driver.react(BOB, '3️⃣');
  driver.react(ALICE, '✅');
  driver.send({ type: 'animationReady', jobId: 'wrong', mp4: '/x.mp4' });
  assert.equal(driver.state.phase, 'animating', 'results of other jobs are ignored');
  const effects = driver.send({
    type: 'animationReady',
    jobId: 'animation-gen1',
    mp4: '/art/v.mp4',
    gif: '/art/v.gif',
  });
  assert.equal(driver.state.phase, 'done');
  const post = effectsOf(effects, 'post')[0];
  assert.deepEqual(post?.message.attachments, [
    { path: '/art/v.mp4', kind: 'video' },
    { path: '/art/v.gif', kind: 'gif' },
  ]);
  assert.equal(post?.message.replyTo, 'm-request');
  assert.equal(
    post?.message.text,
    `🎬 "a red circle" for alice: seed 106, frame 3 of round 2; votes: 1️⃣ 0 · 2️⃣ 0 · 3️⃣ 1 · 4️⃣ 0 · 🔄 0; cost: 1 video of alice's quota. ⏩ to continue it.`,
  );
  assert.deepEqual(effectsOf(effects, 'commitQuota'), [
    { type: 'commitQuota', keys: ['gen1', 'gen1-round-2'] },
  ]);
  assert.deepEqual(effectsOf(effects, 'refundQuota'), []);
});

test('a failed job refunds every reservation with a readable message; stale failures are ignored', () => {
  const driver = new FlowDriver();
  assert.deepEqual(
    driver.send({ type: 'jobFailed', jobId: 'candidates-gen1-r9', reason: 'x' }),
    [],
  );
  const effects = driver.send({
    type: 'jobFailed',
    jobId: 'candidates-gen1-r1',
    reason: 'the engine ran out of memory',
  });
  assert.equal(driver.state.phase, 'failed');
  assert.deepEqual(effectsOf(effects, 'refundQuota'), [{ type: 'refundQuota', keys: ['gen1'] }]);
  assert.deepEqual(
    effectsOf(effects, 'edit')[0]?.text,
    '❌ "a red circle" failed: the engine ran out of memory. Your quota was refunded.',
  );

  const animation = votingDriver();
  animation.react(ALICE, '1️⃣');
  animation.react(ALICE, '✅');
  animation.send({
    type: 'jobFailed',
    jobId: 'animation-gen1',
    reason: 'ffmpeg exited with code 1',
  });
  assert.equal(animation.state.phase, 'failed');
  assert.equal(animation.effects.filter((e) => e.type === 'commitQuota').length, 0);
});

test('restart: an open round reloaded from JSON resumes its timer at the stored deadline and keeps counting', () => {
  const driver = votingDriver();
  driver.react(BOB, '2️⃣');
  const closesAt = driver.round.closesAt;
  // What the store saves and loads back.
  driver.state = JSON.parse(JSON.stringify(driver.state)) as GenerationState;
  assert.deepEqual(resumeEffects(driver.state, DEFAULT_FLOW_CONFIG), [
    { type: 'setTimer', round: 1, at: closesAt },
  ]);
  driver.react(CAROL, '3️⃣');
  driver.react(DAVE, '3️⃣');
  driver.advance(WINDOW + 5_000); // the bot was down past the deadline: the timer fires at once
  driver.send({ type: 'timer', round: 1 });
  assert.equal(driver.state.chosen?.candidate, 3);
});

test('restart: queued or animating generations enqueue the same job id again', () => {
  const queued = new FlowDriver();
  assert.deepEqual(
    enqueued(resumeEffects(queued.state, DEFAULT_FLOW_CONFIG)).map((job) => job.jobId),
    ['candidates-gen1-r1'],
  );
  const animating = votingDriver();
  animating.react(BOB, '4️⃣');
  animating.advance(WINDOW);
  animating.send({ type: 'timer', round: 1 });
  const [job] = enqueued(resumeEffects(animating.state, DEFAULT_FLOW_CONFIG));
  assert.deepEqual(job?.kind === 'animation' && [job.jobId, job.imagePath, job.seed], [
    'animation-gen1',
    '/art/gen1/r1-4.png',
    103,
  ]);
  const awaiting = votingDriver({ ...DEFAULT_FLOW_CONFIG, regenerateCostsQuota: true });
  awaiting.react(ALICE, '🔄');
  assert.deepEqual(resumeEffects(awaiting.state, DEFAULT_FLOW_CONFIG), [
    { type: 'reserveQuota', key: 'gen1-round-2' },
  ]);
  animating.send({ type: 'animationReady', jobId: 'animation-gen1', mp4: '/v.mp4' });
  assert.deepEqual(resumeEffects(animating.state, DEFAULT_FLOW_CONFIG), []);
});

test('an uploaded image skips the vote and is animated directly', () => {
  const driver = new FlowDriver(DEFAULT_FLOW_CONFIG, { imagePath: '/uploads/me.png', seed: 9 });
  const [job] = enqueued(driver.effects);
  assert.deepEqual(job?.kind === 'animation' && [job.imagePath, job.seed], ['/uploads/me.png', 9]);
  assert.equal(driver.state.phase, 'animating');
  const effects = driver.send({ type: 'animationReady', jobId: 'animation-gen1', mp4: '/v.mp4' });
  assert.match(
    effectsOf(effects, 'post')[0]?.message.text ?? '',
    /seed 9, the uploaded image; cost: 1 video of alice.s quota/,
  );
});

test('reduce is pure: the input state is not changed', () => {
  const { state } = startGeneration(
    {
      id: 'g',
      platform: 'local',
      workspaceId: 'w',
      channelId: 'c',
      requester: ALICE,
      settings: { prompt: 'p', seed: 1, steps: 1, guidance: 1, scheduler: 'ddim' },
    },
    0,
  );
  const before = JSON.stringify(state);
  reduce(
    state,
    {
      type: 'candidatesReady',
      now: 5,
      jobId: 'candidates-g-r1',
      images: ['a', 'b', 'c', 'd'],
      grid: 'g',
    },
    DEFAULT_FLOW_CONFIG,
  );
  assert.equal(JSON.stringify(state), before);
});

const NO_FILES = "I can't attach files in this channel: give me Attach Files";

test('the vote opens only once the grid is delivered: no reactions, timer or "vote below" before', () => {
  const driver = new FlowDriver();
  const { state } = reduce(
    driver.state,
    {
      type: 'candidatesReady',
      now: driver.now,
      jobId: 'candidates-gen1-r1',
      images: ['a', 'b', 'c', 'd'],
      grid: 'g',
    },
    DEFAULT_FLOW_CONFIG,
  );
  assert.equal(state.phase, 'voting');
  assert.equal(state.rounds[0]?.closesAt, undefined, 'no deadline before the grid is there');
  assert.deepEqual(
    resumeEffects(state, DEFAULT_FLOW_CONFIG).map((e) => e.type),
    ['post'],
  );
  driver.advance(3_000);
  const effects = reduce(
    state,
    { type: 'messagePosted', now: driver.now, key: 'round:1', messageId: 'm-grid' },
    DEFAULT_FLOW_CONFIG,
  );
  assert.equal(effects.state.rounds[0]?.closesAt, driver.now + WINDOW, 'the window starts then');
  assert.deepEqual(
    effects.effects.map((e) => e.type),
    ['react', 'setTimer', 'edit', 'edit'],
  );
  // The grid says again when voting closes, now with the time, for platforms that show it.
  const grid = effectsOf(effects.effects, 'edit').find((edit) => edit.key === 'round:1');
  assert.deepEqual(grid?.time, { at: driver.now + WINDOW, shown: 'in 60 s' });
  assert.match(grid?.text ?? '', /Voting closes in 60 s;/);
  const discord = withTime(grid!.text, grid!.time, (at) => `<t:${at / 1000}:R>`);
  assert.match(discord, new RegExp(`Voting closes <t:${(driver.now + WINDOW) / 1000}:R>;`));
  assert.equal(
    withTime('no time here', grid!.time, () => 'x'),
    'no time here',
  );
  assert.equal(
    withTime(grid!.text, undefined, () => 'x'),
    grid!.text,
  );
});

test('a grid that cannot be posted fails the generation, refunds and says why; no vote opens', () => {
  const driver = new FlowDriver();
  driver.undeliverable.set('round:1', NO_FILES);
  const effects = driver.candidatesReady();
  assert.equal(driver.state.phase, 'failed');
  assert.deepEqual(effectsOf(effects, 'react'), []);
  assert.deepEqual(effectsOf(effects, 'setTimer'), []);
  assert.deepEqual(effectsOf(effects, 'refundQuota'), [{ type: 'refundQuota', keys: ['gen1'] }]);
  assert.deepEqual(effectsOf(effects, 'commitQuota'), []);
  assert.equal(
    effectsOf(effects, 'edit').at(-1)?.text,
    `❌ "a red circle" failed: the first frames could not be posted (${NO_FILES}). Your quota was refunded.`,
  );
  assert.equal(driver.state.messages['round:1'], undefined);
});

test('a video that cannot be posted is not "posted": every reservation is refunded, none committed', () => {
  const driver = votingDriver({ ...DEFAULT_FLOW_CONFIG, regenerateCostsQuota: true });
  driver.react(ALICE, '🔄');
  driver.send({ type: 'quotaReserved', key: 'gen1-round-2' });
  driver.candidatesReady();
  driver.react(BOB, '2️⃣');
  driver.react(ALICE, '✅');
  driver.undeliverable.set('result', 'the video is larger than this server accepts');
  const effects = driver.send({ type: 'animationReady', jobId: 'animation-gen1', mp4: '/v.mp4' });
  assert.equal(driver.state.phase, 'failed');
  assert.deepEqual(effectsOf(effects, 'commitQuota'), []);
  assert.deepEqual(effectsOf(effects, 'refundQuota'), [
    { type: 'refundQuota', keys: ['gen1', 'gen1-round-2'] },
  ]);
  const texts = effectsOf(effects, 'edit').map((e) => e.text);
  assert.ok(!texts.some((t) => /posted below/.test(t)), texts.join('\n'));
  assert.equal(
    texts.at(-1),
    '❌ "a red circle" failed: the video could not be posted (the video is larger than this server accepts). Your quota was refunded.',
  );
  assert.deepEqual(
    driver.send({ type: 'deliveryFailed', key: 'result', reason: 'again' }),
    [],
    'a late outcome changes nothing',
  );
});

test('"done, posted below" and the commit come only after the video is delivered', () => {
  const driver = new FlowDriver(DEFAULT_FLOW_CONFIG, { imagePath: '/uploads/me.png', seed: 9 });
  const { state, effects } = reduce(
    driver.state,
    { type: 'animationReady', now: driver.now, jobId: 'animation-gen1', mp4: '/v.mp4' },
    DEFAULT_FLOW_CONFIG,
  );
  assert.equal(state.phase, 'animating', 'still waiting for the delivery');
  assert.deepEqual(
    effects.map((e) => e.type),
    ['post'],
  );
  assert.deepEqual(resumeEffects(state, DEFAULT_FLOW_CONFIG), effects, 'a restart posts it again');
  // The same job event again (seen by another bot process, or redelivered): no second post.
  const again = reduce(
    state,
    { type: 'animationReady', now: driver.now, jobId: 'animation-gen1', mp4: '/v.mp4' },
    DEFAULT_FLOW_CONFIG,
  );
  assert.deepEqual(again.effects, []);
  const delivered = reduce(
    state,
    { type: 'messagePosted', now: driver.now, key: 'result', messageId: 'm-video' },
    DEFAULT_FLOW_CONFIG,
  );
  assert.equal(delivered.state.phase, 'done');
  assert.deepEqual(delivered.effects, [
    { type: 'edit', key: 'status', text: '✅ "a red circle": done, the video is posted below.' },
    { type: 'commitQuota', keys: ['gen1'] },
    { type: 'react', key: 'result', emojis: ['🔁', '⏩'] },
  ]);
});

test('closed means closed: a late reaction on a finished grid is taken back, not counted, and its sender told why', () => {
  const driver = votingDriver();
  driver.react(BOB, '2️⃣');
  driver.react(CAROL, '2️⃣');
  driver.react(DAVE, '3️⃣');
  const closing = driver.react(ALICE, '✅');
  const closedText =
    'Round 1 for "a red circle" closed: frame 2 wins, confirmed by alice (1️⃣ 0 · 2️⃣ 2 · 3️⃣ 1 · 4️⃣ 0 · 🔄 0).';
  assert.deepEqual(
    effectsOf(closing, 'edit').find((edit) => edit.key === 'round:1'),
    { type: 'edit', key: 'round:1', text: closedText, closed: true },
    'the grid shows its result when it closes',
  );
  const votes = structuredClone(driver.round.votes);

  const late = driver.react(BOB, '4️⃣');
  assert.deepEqual(late, [
    { type: 'edit', key: 'round:1', text: closedText, closed: true },
    { type: 'unreact', key: 'round:1', emoji: '4️⃣', userId: BOB.id },
    {
      type: 'post',
      message: {
        text: 'Round 1 for "a red circle" is closed (frame 2 won): your reaction does not count.',
        visibleTo: BOB.id,
      },
    },
  ]);
  assert.deepEqual(driver.round.votes, votes, 'no vote changed');
  assert.equal(effectsOf(driver.react(CAROL, '🔄'), 'enqueue').length, 0, 'no new round');
  assert.equal(effectsOf(driver.react(ALICE, '✅'), 'enqueue').length, 0, 'not closed twice');
  assert.deepEqual(driver.react(BOB, '2️⃣', false), [], 'a removal changes nothing');
  assert.deepEqual(driver.react(BOB, '👍'), [], 'other emoji are not votes');
  assert.deepEqual(driver.state.chosen?.candidate, 2);

  // Still closed once the video is posted and the generation is done.
  driver.send({ type: 'animationReady', jobId: 'animation-gen1', mp4: '/art/gen1/v.mp4' });
  assert.equal(driver.state.phase, 'done');
  assert.deepEqual(
    effectsOf(driver.react(DAVE, '1️⃣'), 'post').map((post) => post.message.visibleTo),
    [DAVE.id],
  );
  assert.deepEqual(driver.round.votes, votes);
});
