// 🔁 re-takes in the pure flow: a finished video hands 🔁 to its next take (a generation of its
// own), which gathers askers until its deadline or starts at once on the requester's 🔁, reserves
// quota like a video, is animated with the next seed under its own job id, and can fail alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FLOW_CONFIG,
  reduce,
  resumeEffects,
  RETAKE_DEADLINE_ROUND,
  startRetake,
  type FlowEffect,
  type FlowEvent,
  type GenerationState,
} from '../../src/core/flow/index.js';
import { ALICE, BOB, BOT, CAROL, effectsOf, FlowDriver } from './flow-driver.js';

const WINDOW = DEFAULT_FLOW_CONFIG.voteWindowMs;

/** A finished video: frame 3 of round 1 (seed 102) won, posted as message `m-video`. */
function finishedVideo(): FlowDriver {
  const driver = new FlowDriver();
  driver.candidatesReady();
  driver.react(BOB, '3️⃣');
  driver.react(ALICE, '✅');
  for (const event of [
    { type: 'animationReady', jobId: 'animation-gen1', mp4: '/v1.mp4', gif: '/v1.gif' },
    { type: 'messagePosted', key: 'result', messageId: 'm-video' },
  ] as const) {
    driver.send(event);
  }
  assert.equal(driver.state.phase, 'done');
  return driver;
}

type Events = FlowEvent extends infer E ? (E extends FlowEvent ? Omit<E, 'now'> : never) : never;

/** Runs a take's state through events (posts answered with ids), like the runner would. */
class TakeDriver {
  effects: FlowEffect[] = [];
  now = 2_000_000;
  constructor(public state: GenerationState) {}

  send(event: Events): FlowEffect[] {
    const { state, effects } = reduce(
      this.state,
      { ...event, now: this.now } as FlowEvent,
      DEFAULT_FLOW_CONFIG,
    );
    this.state = state;
    this.effects.push(...effects);
    return effects;
  }

  react(user: { id: string; name: string }, added = true, messageId = 'm-video'): FlowEffect[] {
    return this.send({ type: 'reaction', messageId, user, emoji: '🔁', added, fromBot: false });
  }
}

function retakeBy(user: { id: string; name: string }, now = 2_000_000) {
  const first = finishedVideo();
  const { state, effects } = startRetake(first.state, 2, user, now, DEFAULT_FLOW_CONFIG);
  return { first, take: new TakeDriver(state), effects };
}

test('a posted video gets 🔁, and 🔁 under it asks for take 2 of the same video', () => {
  const first = finishedVideo();
  const reacted = effectsOf(first.effects, 'react').find((effect) => effect.key === 'result');
  assert.deepEqual(reacted?.emojis, ['🔁', '⏩']);
  const reaction = {
    type: 'reaction',
    messageId: 'm-video',
    user: BOB,
    emoji: '🔁',
    added: true,
    fromBot: false,
  } as const;
  const asked = first.send(reaction);
  assert.deepEqual(effectsOf(asked, 'retake'), [
    { type: 'retake', firstId: 'gen1', take: 2, reaction },
  ]);
  // The bot's own 🔁, other emoji, or 🔁 on the grid ask for nothing.
  for (const [user, emoji, messageId, fromBot] of [
    [BOT, '🔁', 'm-video', true],
    [BOB, '👍', 'm-video', false],
    [BOB, '🔁', first.roundMessage(1), false],
  ] as const) {
    const effects = first.send({ type: 'reaction', messageId, user, emoji, added: true, fromBot });
    assert.deepEqual(effectsOf(effects, 'retake'), [], `${user.name} ${emoji} on ${messageId}`);
  }
});

test('another user asks: nothing reserved until the deadline, then their quota, the next seed, job animation-<id>-t2', () => {
  const { take, effects } = retakeBy(BOB);
  assert.equal(take.state.id, 'gen1-t2');
  assert.equal(take.state.phase, 'asking');
  assert.equal(effectsOf(effects, 'reserveQuota').length, 0, 'nothing reserved while asking');
  assert.deepEqual(effectsOf(effects, 'setTimer'), [
    { type: 'setTimer', round: RETAKE_DEADLINE_ROUND, at: 2_000_000 + WINDOW },
  ]);
  const status = effectsOf(effects, 'post')[0];
  assert.equal(status?.key, 'status');
  assert.match(
    status?.message.text ?? '',
    /asked for by bob: take 2, the same first frame with seed 103/,
  );
  assert.match(status?.message.text ?? '', /alice can start it now with 🔁/);

  take.react(CAROL);
  take.react(BOB); // a duplicate: counted once
  assert.deepEqual(Object.keys(take.state.retake?.askers ?? {}), [BOB.id, CAROL.id]);
  take.now += WINDOW - 1;
  assert.deepEqual(effectsOf(take.send({ type: 'timer', round: 0 }), 'setTimer').length, 1);
  assert.equal(take.state.phase, 'asking', 'early: set again');
  take.now += 1;
  const closed = take.send({ type: 'timer', round: 0 });
  assert.equal(take.state.phase, 'awaiting-quota');
  assert.deepEqual(take.state.requester, BOB, 'the first who asked pays');
  assert.deepEqual(effectsOf(closed, 'reserveQuota'), [{ type: 'reserveQuota', key: 'gen1-t2' }]);

  const started = take.send({ type: 'quotaReserved', key: 'gen1-t2' });
  assert.equal(take.state.phase, 'animating');
  assert.deepEqual(effectsOf(started, 'enqueue')[0]?.job, {
    kind: 'animation',
    jobId: 'animation-gen1-t2',
    generationId: 'gen1-t2',
    imagePath: '/art/gen1/r1-3.png',
    prompt: 'a red circle',
    seed: 103,
    steps: 10,
    guidance: 5,
    scheduler: 'ddim',
  });
  assert.match(
    effectsOf(started, 'edit')[0]?.text ?? '',
    /\(take 2\): animating frame 3 with seed 103/,
  );

  take.send({ type: 'animationReady', jobId: 'animation-gen1-t2', mp4: '/v2.mp4' });
  const posted = effectsOf(take.effects, 'post').find((post) => post.key === 'result');
  assert.match(
    posted?.message.text ?? '',
    /^🎬 "a red circle" \(take 2\) for bob: seed 103, frame 3 of round 1; votes: .*; cost: 1 video of bob's quota\. ⏩ to continue it\.$/,
  );
  const done = take.send({ type: 'messagePosted', key: 'result', messageId: 'm-take2' });
  assert.equal(take.state.phase, 'done');
  assert.deepEqual(effectsOf(done, 'commitQuota'), [{ type: 'commitQuota', keys: ['gen1-t2'] }]);
  // 🔁 under take 2 asks for take 3; 🔁 again under the first video is told where take 2 is.
  const next = take.react(CAROL, true, 'm-take2');
  assert.deepEqual(
    effectsOf(next, 'retake').map(({ firstId, take }) => [firstId, take]),
    [['gen1', 3]],
  );
  const late = take.react(CAROL);
  assert.match(effectsOf(late, 'post')[0]?.message.text ?? '', /Take 2 .* is posted/);
  assert.equal(effectsOf(late, 'post')[0]?.message.visibleTo, CAROL.id);
});

test("the requester's 🔁 starts the re-take at once, on their quota; a repeat runs no second job", () => {
  const { take, effects } = retakeBy(ALICE);
  assert.equal(take.state.phase, 'awaiting-quota');
  assert.deepEqual(take.state.requester, ALICE);
  assert.deepEqual(effectsOf(effects, 'reserveQuota'), [{ type: 'reserveQuota', key: 'gen1-t2' }]);
  assert.match(
    effectsOf(effects, 'post')[0]?.message.text ?? '',
    /It starts now and costs 1 video of alice's quota\.$/,
  );
  assert.deepEqual(effectsOf(effects, 'cancelTimer'), [{ type: 'cancelTimer', round: 0 }]);
  take.send({ type: 'quotaReserved', key: 'gen1-t2' });
  const again = take.react(ALICE);
  assert.deepEqual(effectsOf(again, 'enqueue'), []);
  assert.deepEqual(effectsOf(again, 'reserveQuota'), []);
  assert.match(effectsOf(again, 'post')[0]?.message.text ?? '', /under way for alice/);
});

test("someone else asks, then the requester: it starts at once, on the requester's quota", () => {
  const { take } = retakeBy(BOB);
  const now = take.react(ALICE);
  assert.equal(take.state.phase, 'awaiting-quota');
  assert.deepEqual(take.state.requester, ALICE);
  assert.deepEqual(effectsOf(now, 'cancelTimer'), [{ type: 'cancelTimer', round: 0 }]);
});

test('every 🔁 taken back by the deadline calls it off; nothing is reserved or refunded', () => {
  const { take } = retakeBy(BOB);
  take.react(BOB, false);
  take.now += WINDOW;
  const effects = take.send({ type: 'timer', round: 0 });
  assert.equal(take.state.phase, 'failed');
  assert.deepEqual(
    effects.map((effect) => effect.type),
    ['edit'],
  );
  assert.match(
    effectsOf(effects, 'edit')[0]?.text ?? '',
    /called off: every 🔁 was taken back\. Nothing was charged/,
  );
});

test('no quota: the take is not made and says why; a failed job refunds only the take', () => {
  const refused = retakeBy(ALICE).take;
  const denied = refused.send({ type: 'quotaDenied', key: 'gen1-t2', reason: 'no more today' });
  assert.equal(refused.state.phase, 'failed');
  assert.deepEqual(effectsOf(denied, 'refundQuota'), []);
  assert.match(
    effectsOf(denied, 'edit')[0]?.text ?? '',
    /not made: no more today\. Nothing was charged/,
  );

  const failing = retakeBy(ALICE).take;
  failing.send({ type: 'quotaReserved', key: 'gen1-t2' });
  const failed = failing.send({ type: 'jobFailed', jobId: 'animation-gen1-t2', reason: 'boom' });
  assert.equal(failing.state.phase, 'failed');
  assert.deepEqual(effectsOf(failed, 'refundQuota'), [{ type: 'refundQuota', keys: ['gen1-t2'] }]);
  assert.match(
    effectsOf(failed, 'edit')[0]?.text ?? '',
    /\(take 2\) failed: boom\. Your quota was refunded/,
  );
});

test('restart: a take still asking sets its deadline again; a reserved one enqueues the same job', () => {
  const { take } = retakeBy(BOB);
  const saved = JSON.parse(JSON.stringify(take.state)) as GenerationState;
  assert.deepEqual(resumeEffects(saved, DEFAULT_FLOW_CONFIG), [
    { type: 'setTimer', round: 0, at: take.state.retake?.closesAt },
  ]);
  take.react(ALICE);
  take.send({ type: 'quotaReserved', key: 'gen1-t2' });
  const animating = JSON.parse(JSON.stringify(take.state)) as GenerationState;
  const resumed = resumeEffects(animating, DEFAULT_FLOW_CONFIG);
  assert.deepEqual(
    effectsOf(resumed, 'enqueue').map((effect) => effect.job.jobId),
    ['animation-gen1-t2'],
  );
});
