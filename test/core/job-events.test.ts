// Job events reach every bot process, so the flow sees each job's outcome once per process:
// the generation is found from the job id alone, and an outcome already applied is a no-op
// (no change but the time, no effect), which the runner then neither saves nor performs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  animationJobId,
  candidatesJobId,
  generationOfJobId,
  takeGenerationId,
} from '../../src/core/contract.js';
import {
  DEFAULT_FLOW_CONFIG,
  reduce,
  startGeneration,
  type FlowEvent,
  type GenerationState,
  type Transition,
} from '../../src/core/flow/index.js';

const request = {
  id: 'gen-1',
  platform: 'local',
  workspaceId: 'ws',
  channelId: 'chan',
  requester: { id: 'u-alice', name: 'alice' },
  settings: { prompt: 'a red circle', seed: 7 },
};

type EventInput = FlowEvent extends infer E
  ? E extends FlowEvent
    ? Omit<E, 'now'>
    : never
  : never;

let now = 1_000;
const step = (state: GenerationState, event: EventInput): Transition =>
  reduce(state, { ...event, now: (now += 1) } as FlowEvent, DEFAULT_FLOW_CONFIG);

/** The event again, on the state it led to: nothing to do, nothing changed but the time. */
function assertNoOpAgain(state: GenerationState, event: EventInput): void {
  const again = step(state, event);
  assert.deepEqual(again.effects, [], `${event.type} again: no effects`);
  assert.deepEqual({ ...again.state, updatedAt: state.updatedAt }, state, 'no change');
}

test('the generation of a job id, through the contract', () => {
  for (const id of ['gen-1', 'ckxyz0001', '2b1c4a8e-9f0d-4c3e-8a1b-7d6e5f4a3b2c']) {
    assert.equal(generationOfJobId(candidatesJobId(id, 1)), id);
    assert.equal(generationOfJobId(candidatesJobId(id, 12)), id);
    assert.equal(generationOfJobId(animationJobId(id)), id);
    // A re-take is a generation of its own: its job belongs to it.
    assert.equal(generationOfJobId(animationJobId(id, 3)), takeGenerationId(id, 3));
  }
  for (const other of ['deadline-gen-1-r1', 'hold-the-queue', 'candidates-', 'animation-a:b', '']) {
    assert.equal(generationOfJobId(other), undefined, other);
  }
});

test('frames drawn, again (another process, before and after the grid is posted): no effect', () => {
  const { state } = startGeneration(request, now);
  const jobId = state.rounds[0]!.jobId;
  const drawn: EventInput = {
    type: 'candidatesReady',
    jobId,
    images: ['1.png', '2.png', '3.png', '4.png'],
    grid: 'grid.png',
  };
  const first = step(state, drawn);
  assert.deepEqual(
    first.effects.map((effect) => effect.type),
    ['post'],
  );
  assertNoOpAgain(first.state, drawn);
  const posted = step(first.state, { type: 'messagePosted', key: 'round:1', messageId: 'm-1' });
  assert.ok(posted.effects.length > 0, 'the vote opens');
  assertNoOpAgain(posted.state, drawn);
});

test('the video made, again (before and after it is posted): no effect', () => {
  const upload = { ...request, settings: { ...request.settings, imagePath: 'frame.png' } };
  const { state } = startGeneration(upload, now);
  const made = { type: 'animationReady', jobId: animationJobId(request.id), mp4: 'v.mp4' } as const;
  const first = step(state, made);
  assert.deepEqual(
    first.effects.map((effect) => effect.type),
    ['post'],
  );
  assertNoOpAgain(first.state, made);
  const posted = step(first.state, { type: 'messagePosted', key: 'result', messageId: 'm-2' });
  assert.equal(posted.state.phase, 'done');
  assertNoOpAgain(posted.state, made);
});

test('a job failed, again: refunded once', () => {
  const { state } = startGeneration(request, now);
  const failed = { type: 'jobFailed', jobId: state.rounds[0]!.jobId, reason: 'no engine' } as const;
  const first = step(state, failed);
  assert.equal(first.state.phase, 'failed');
  assert.ok(first.effects.some((effect) => effect.type === 'refundQuota'));
  assertNoOpAgain(first.state, failed);
});
