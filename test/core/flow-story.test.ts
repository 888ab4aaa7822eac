// Stories in the pure flow: a finished video is continued by a generation of its own whose
// rounds vote on four continuations (each the whole story so far); the winner is posted as it
// is, listing every clip's caption, seed and voters, and can be continued again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FLOW_CONFIG,
  extendProblem,
  nextClipOf,
  reduce,
  resumeEffects,
  startGeneration,
  type FlowEffect,
  type FlowEvent,
  type GenerationState,
} from '../../src/core/flow/index.js';
import { ALICE, BOB, CAROL, DAVE, effectsOf, FlowDriver } from './flow-driver.js';

type Events = FlowEvent extends infer E ? (E extends FlowEvent ? Omit<E, 'now'> : never) : never;

/** A finished video: frame 3 of round 1 (seed 102) won with bob's vote, posted as `m-video`. */
function finishedVideo(): GenerationState {
  const driver = new FlowDriver();
  driver.candidatesReady();
  driver.react(BOB, '3️⃣');
  driver.react(ALICE, '✅');
  driver.send({ type: 'animationReady', jobId: 'animation-gen1', mp4: '/v1.mp4', gif: '/v1.gif' });
  driver.send({ type: 'messagePosted', key: 'result', messageId: 'm-video' });
  assert.equal(driver.state.phase, 'done');
  return driver.state;
}

/** Runs a story clip's state like the runner would: keyed posts get ids at once. */
class ClipDriver {
  effects: FlowEffect[] = [];
  now = 2_000_000;
  private nextMessage = 1;
  constructor(
    public state: GenerationState,
    readonly config = DEFAULT_FLOW_CONFIG,
  ) {}

  send(event: Events): FlowEffect[] {
    const { state, effects } = reduce(
      this.state,
      { ...event, now: this.now } as FlowEvent,
      this.config,
    );
    this.state = state;
    this.effects.push(...effects);
    const all = [...effects];
    for (const effect of effects) {
      if (effect.type === 'post' && effect.key) {
        const messageId = `c${this.nextMessage++}`;
        all.push(...this.send({ type: 'messagePosted', key: effect.key, messageId }));
      }
    }
    return all;
  }

  react(user: { id: string; name: string }, emoji: string, messageId: string): FlowEffect[] {
    return this.send({ type: 'reaction', messageId, user, emoji, added: true, fromBot: false });
  }
}

function secondClip(previous = finishedVideo()) {
  const { state, effects } = startGeneration(
    {
      id: 'gen2',
      platform: 'local',
      workspaceId: 'ws',
      channelId: 'chan',
      requester: BOB,
      settings: { prompt: 'a red circle moving down', seed: 500 },
      story: nextClipOf(previous),
    },
    2_000_000,
  );
  return { driver: new ClipDriver(state), effects };
}

const VIDEOS = [1, 2, 3, 4].map((i) => ({ mp4: `/s2-${i}.mp4`, gif: `/s2-${i}.gif` }));

function continuationsReady(driver: ClipDriver): FlowEffect[] {
  return driver.send({
    type: 'candidatesReady',
    jobId: driver.state.rounds.at(-1)!.jobId,
    images: [1, 2, 3, 4].map((i) => `/s2-${i}.png`),
    grid: '/s2-preview.gif',
    videos: VIDEOS,
  });
}

test('a story clip continues the video: four continuations of its MP4, from its own seed', () => {
  const previous = finishedVideo();
  const story = nextClipOf(previous);
  assert.deepEqual(story, {
    of: 'gen1',
    owner: ALICE,
    clip: 2,
    base: { mp4: '/v1.mp4', gif: '/v1.gif' },
    clips: [{ generationId: 'gen1', caption: 'a red circle', seed: 102, voters: ['bob'] }],
  });
  const { driver, effects } = secondClip(previous);
  const [job] = effects.filter((e) => e.type === 'enqueue').map((e) => e.job);
  assert.ok(job?.kind === 'candidates');
  assert.deepEqual(job.continueFrom, { videoPath: '/v1.mp4' });
  assert.deepEqual(job.seeds, [500, 501, 502, 503]);
  assert.deepEqual(driver.state.quotaKeys, ['gen2']);
  const status = effects.find((e) => e.type === 'post');
  assert.match(
    status?.type === 'post' ? status.message.text : '',
    /"a red circle moving down" \(clip 2 of "a red circle"\)/,
  );
});

test('the continuations are voted on without 🔀, and the winner is posted as it is', () => {
  const { driver } = secondClip();
  const ready = continuationsReady(driver);
  const grid = effectsOf(ready, 'post')[0];
  assert.equal(grid?.message.attachments?.[0]?.path, '/s2-preview.gif');
  assert.match(grid?.message.text ?? '', /vote for how the story goes on/);
  assert.deepEqual(effectsOf(ready, 'react')[0]?.emojis, ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '🔄', '✅']);
  const gridId = driver.state.messages['round:1']!;

  const vary = driver.react(CAROL, '🔀', gridId);
  assert.deepEqual(effectsOf(vary, 'unreact')[0]?.emoji, '🔀');
  assert.match(effectsOf(vary, 'post')[0]?.message.text ?? '', /first frame.*🔄/);
  assert.equal(driver.state.rounds.length, 1);

  driver.react(CAROL, '2️⃣', gridId);
  driver.react(DAVE, '2️⃣', gridId);
  driver.react(ALICE, '1️⃣', gridId);
  driver.now = driver.state.rounds[0]!.closesAt!;
  const closed = driver.send({ type: 'timer', round: 1 });
  assert.equal(effectsOf(closed, 'enqueue').length, 0, 'no animation job: it is already made');
  const result = effectsOf(closed, 'post').find((e) => e.key === 'result');
  assert.deepEqual(result?.message.attachments, [
    { path: '/s2-2.mp4', kind: 'video' },
    { path: '/s2-2.gif', kind: 'gif' },
  ]);
  const lines = result?.message.text.split('\n') ?? [];
  assert.match(lines[0] ?? '', /^🎬 Story "a red circle", 2 clips, for bob:/);
  assert.equal(lines[1], '1. "a red circle": seed 102, chosen by bob');
  assert.equal(lines[2], '2. "a red circle moving down": seed 501, chosen by carol, dave');
  assert.match(lines[3] ?? '', /cost: 1 video of bob's quota/);
  assert.ok(effectsOf(closed, 'edit').some((e) => /continuation 2 wins/.test(e.text)));

  assert.equal(driver.state.phase, 'done');
  assert.deepEqual(driver.effects.filter((e) => e.type === 'commitQuota').at(-1), {
    type: 'commitQuota',
    keys: ['gen2'],
  });
  assert.deepEqual(effectsOf(closed, 'react').at(-1)?.emojis, ['⏩'], 'no 🔁 under a story');

  const video = driver.state.messages.result!;
  const retake = driver.react(CAROL, '🔁', video);
  assert.equal(effectsOf(retake, 'retake').length, 0);
  assert.match(effectsOf(retake, 'post')[0]?.message.text ?? '', /re-takes a single video/);
  const takenBack = driver.send({
    type: 'reaction',
    messageId: video,
    user: CAROL,
    emoji: '🔁',
    added: false,
    fromBot: false,
  });
  assert.deepEqual(takenBack, [], 'a 🔁 taken back under a story starts nothing');
  const hint = driver.react(CAROL, '⏩', video);
  assert.equal(effectsOf(hint, 'post')[0]?.message.visibleTo, CAROL.id);
  assert.match(effectsOf(hint, 'post')[0]?.message.text ?? '', /\/video extend/);

  const third = nextClipOf(driver.state);
  assert.equal(third.clip, 3);
  assert.equal(third.of, 'gen1');
  assert.deepEqual(third.base, VIDEOS[1]);
  assert.deepEqual(
    third.clips.map((clip) => clip.caption),
    ['a red circle', 'a red circle moving down'],
  );
});

test('a story is refused at its length limit, to others than its requester, and once closed', () => {
  const video = finishedVideo();
  assert.equal(extendProblem(video, BOB, 'anyone', DEFAULT_FLOW_CONFIG), undefined);
  assert.match(
    extendProblem(video, BOB, 'anyone', { maxStoryClips: 1 }) ?? '',
    /has 1 clips, the most a story may have/,
  );
  assert.match(
    extendProblem(video, BOB, 'requester', DEFAULT_FLOW_CONFIG) ?? '',
    /only the story's requester \(alice\)/,
  );
  assert.equal(extendProblem(video, ALICE, 'requester', DEFAULT_FLOW_CONFIG), undefined);

  const { state, effects } = reduce(
    video,
    { type: 'storyClosed', now: 3_000_000, by: CAROL },
    DEFAULT_FLOW_CONFIG,
  );
  assert.deepEqual(state.storyClosed, { by: 'carol', at: 3_000_000 });
  assert.match(effectsOf(effects, 'post')[0]?.message.text ?? '', /closed by carol/);
  assert.match(
    extendProblem(state, ALICE, 'anyone', DEFAULT_FLOW_CONFIG) ?? '',
    /was closed by carol/,
  );

  const { driver } = secondClip();
  assert.match(
    extendProblem(driver.state, ALICE, 'anyone', DEFAULT_FLOW_CONFIG) ?? '',
    /not finished/,
  );
});

test('a story clip resumes after a restart: its job again, or its winner posted again', () => {
  const { driver } = secondClip();
  const [again] = resumeEffects(driver.state, DEFAULT_FLOW_CONFIG);
  assert.ok(again?.type === 'enqueue' && again.job.kind === 'candidates');
  assert.deepEqual(again.job.continueFrom, { videoPath: '/v1.mp4' });

  continuationsReady(driver);
  driver.react(ALICE, '3️⃣', driver.state.messages['round:1']!);
  // The winner chosen, the process stops before the video's post was saved as delivered.
  const state = structuredClone(driver.state);
  driver.react(BOB, '✅', driver.state.messages['round:1']!);
  const chosen = reduce(
    { ...state },
    {
      type: 'reaction',
      now: 2_000_100,
      messageId: state.messages['round:1']!,
      user: BOB,
      emoji: '✅',
      added: true,
      fromBot: false,
    },
    DEFAULT_FLOW_CONFIG,
  ).state;
  assert.equal(chosen.phase, 'animating');
  const [post] = resumeEffects(chosen, DEFAULT_FLOW_CONFIG);
  assert.ok(post?.type === 'post' && post.key === 'result');
  assert.equal(post.message.attachments?.[0]?.path, '/s2-3.mp4');
});

test('🔄 in a story round draws four new continuations of the same story', () => {
  const { driver } = secondClip();
  continuationsReady(driver);
  const gridId = driver.state.messages['round:1']!;
  const again = driver.react(BOB, '🔄', gridId);
  assert.ok(
    effectsOf(again, 'edit').some((e) => /bob asked for new continuations/.test(e.text)),
    'the closed round says what was asked for',
  );
  const [job] = effectsOf(again, 'enqueue').map((e) => e.job);
  assert.ok(job?.kind === 'candidates');
  assert.equal(job.round, 2);
  assert.deepEqual(job.continueFrom, { videoPath: '/v1.mp4' });
  assert.notDeepEqual(job.seeds, [500, 501, 502, 503]);
  assert.match(
    effectsOf(again, 'edit').at(-1)?.text ?? '',
    /drawing new continuations \(round 2\)/,
  );
});
