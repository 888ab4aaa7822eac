// 🔀 variations in the pure flow: a round closed by 🔀 (the requester's at once, a majority's
// at the deadline) is followed by a round whose candidates job varies the frame leading the
// vote (ties: the lowest number) at the contract's default strength, with the next round's
// seeds; a 🔀 before any frame vote is taken back with a private note; the round limit and
// quota apply as for 🔄; a restart re-enqueues the same variations job.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_VARIATION_STRENGTH } from '../../src/core/contract.js';
import {
  DEFAULT_FLOW_CONFIG,
  resumeEffects,
  type FlowEffect,
  type GenerationState,
} from '../../src/core/flow/index.js';
import { ALICE, BOB, CAROL, DAVE, effectsOf, enqueued, votingDriver } from './flow-driver.js';

const WINDOW = DEFAULT_FLOW_CONFIG.voteWindowMs;

function candidatesJobs(effects: FlowEffect[]) {
  return enqueued(effects).filter((job) => job.kind === 'candidates');
}

test("the requester's 🔀 varies the leading frame at once: round 2's job carries it as init", () => {
  const driver = votingDriver();
  driver.react(BOB, '3️⃣');
  const effects = driver.react(ALICE, '🔀');
  const outcome = driver.state.rounds[0]?.outcome;
  assert.deepEqual(outcome?.kind === 'vary' && [outcome.by, outcome.candidate], ['requester', 3]);
  const [job] = candidatesJobs(effects);
  assert.deepEqual(job?.kind === 'candidates' && [job.jobId, job.seeds, job.init], [
    'candidates-gen1-r2',
    [104, 105, 106, 107],
    { imagePath: '/art/gen1/r1-3.png', strength: DEFAULT_VARIATION_STRENGTH },
  ]);
  assert.match(
    effectsOf(effects, 'edit').find((edit) => edit.key === 'round:1')?.text ?? '',
    /alice asked for variations of frame 3/,
  );
  assert.match(
    effectsOf(effects, 'edit').find((edit) => edit.key === 'status')?.text ?? '',
    /drawing 4 variations of frame 3 \(round 2\)/,
  );
  // Round 2 votes like any round; its grid says what it varies.
  const grid = driver.candidatesReady();
  assert.match(
    effectsOf(grid, 'post')[0]?.message.text ?? '',
    /Round 2 for "a red circle" \(variations of frame 3 of round 1\)/,
  );
  driver.react(BOB, '2️⃣');
  driver.advance(WINDOW);
  driver.send({ type: 'timer', round: 2 });
  assert.deepEqual(
    [driver.state.chosen?.round, driver.state.chosen?.imagePath, driver.state.chosen?.seed],
    [2, '/art/gen1/r2-2.png', 105],
  );
});

test('ties go to the lowest frame; the asker’s own frame vote counts for the leader', () => {
  const tie = votingDriver();
  tie.react(BOB, '4️⃣');
  tie.react(CAROL, '2️⃣');
  tie.react(ALICE, '🔀');
  const outcome = tie.state.rounds[0]?.outcome;
  assert.equal(outcome?.kind === 'vary' && outcome.candidate, 2);

  const own = votingDriver();
  own.react(ALICE, '4️⃣');
  own.react(ALICE, '🔀');
  const varied = own.state.rounds[0]?.outcome;
  assert.equal(varied?.kind === 'vary' && varied.candidate, 4);
});

test('a 🔀 before any frame vote is taken back with a private note and counts nothing', () => {
  const driver = votingDriver();
  for (const user of [ALICE, BOB]) {
    const effects = driver.react(user, '🔀');
    assert.deepEqual(effectsOf(effects, 'unreact'), [
      { type: 'unreact', key: 'round:1', emoji: '🔀', userId: user.id },
    ]);
    const note = effectsOf(effects, 'post')[0]?.message;
    assert.equal(note?.visibleTo, user.id);
    assert.match(note?.text ?? '', /Vote for a frame first .*🔀 asks for variations/);
  }
  assert.deepEqual(driver.round.votes, {});
  assert.equal(driver.state.rounds.length, 1);
});

test('a 🔀 majority at the deadline varies the leader; a minority does not', () => {
  const driver = votingDriver();
  driver.react(BOB, '1️⃣');
  driver.react(CAROL, '🔀');
  driver.react(DAVE, '🔀');
  driver.advance(WINDOW);
  const effects = driver.send({ type: 'timer', round: 1 });
  const outcome = driver.state.rounds[0]?.outcome;
  assert.deepEqual(outcome?.kind === 'vary' && [outcome.by, outcome.candidate], ['majority', 1]);
  assert.equal(candidatesJobs(effects)[0]?.init?.imagePath, '/art/gen1/r1-1.png');
  assert.match(
    effectsOf(effects, 'edit').find((edit) => edit.key === 'round:1')?.text ?? '',
    /a majority asked for variations of frame 1 \(.*🔀 2\)/,
  );

  const minority = votingDriver();
  minority.react(BOB, '1️⃣');
  minority.react(CAROL, '2️⃣');
  minority.react(DAVE, '🔀');
  minority.advance(WINDOW);
  minority.send({ type: 'timer', round: 1 });
  assert.equal(minority.state.phase, 'animating');
  assert.equal(minority.state.chosen?.candidate, 1);
});

test('every frame vote turned into 🔀: the majority varies the frame the first 🔀 was cast for', () => {
  const driver = votingDriver();
  driver.react(BOB, '3️⃣');
  driver.react(BOB, '🔀');
  driver.react(CAROL, '1️⃣');
  driver.react(CAROL, '🔀');
  assert.deepEqual(
    [driver.round.votes[BOB.id]?.of, driver.round.votes[CAROL.id]?.of],
    [3, 1],
    'each 🔀 keeps the frame it was cast for',
  );
  driver.advance(WINDOW);
  driver.send({ type: 'timer', round: 1 });
  const outcome = driver.state.rounds[0]?.outcome;
  assert.deepEqual(outcome?.kind === 'vary' && [outcome.by, outcome.candidate], ['majority', 3]);
});

test('🔀 keeps the round limit: refused to the requester, a majority animates the leader', () => {
  const driver = votingDriver({ ...DEFAULT_FLOW_CONFIG, maxRounds: 1 });
  driver.react(BOB, '2️⃣');
  const refused = driver.react(ALICE, '🔀');
  assert.match(effectsOf(refused, 'post')[0]?.message.text ?? '', /at most 1 round/);
  assert.equal(driver.state.rounds.length, 1);
  driver.react(CAROL, '🔀');
  driver.advance(WINDOW);
  driver.send({ type: 'timer', round: 1 });
  const outcome = driver.state.rounds[0]?.outcome;
  assert.deepEqual(outcome?.kind === 'winner' && [outcome.candidate, outcome.reason], [
    2,
    'no-more-rounds',
  ]);
});

test('when rounds cost quota a variations round reserves first; a restart enqueues the same job', () => {
  const driver = votingDriver({ ...DEFAULT_FLOW_CONFIG, regenerateCostsQuota: true });
  driver.react(BOB, '4️⃣');
  const asked = driver.react(ALICE, '🔀');
  assert.deepEqual(effectsOf(asked, 'reserveQuota'), [
    { type: 'reserveQuota', key: 'gen1-round-2' },
  ]);
  assert.deepEqual(candidatesJobs(asked), [], 'nothing queued before the quota');
  const reserved = driver.send({ type: 'quotaReserved', key: 'gen1-round-2' });
  const [job] = candidatesJobs(reserved);
  assert.equal(job?.init?.imagePath, '/art/gen1/r1-4.png');
  assert.deepEqual(driver.state.quotaKeys, ['gen1', 'gen1-round-2']);

  const reloaded = JSON.parse(JSON.stringify(driver.state)) as GenerationState;
  assert.deepEqual(candidatesJobs(resumeEffects(reloaded, DEFAULT_FLOW_CONFIG)), [job]);
});

test('/video vary <n>: the requester picks the frame, at once; others and closed votes are told why', () => {
  const driver = votingDriver();
  driver.react(BOB, '3️⃣');
  const other = driver.send({ type: 'varyAsked', user: BOB, round: 1, candidate: 2 });
  assert.equal(effectsOf(other, 'enqueue').length, 0);
  assert.equal(effectsOf(other, 'post')[0]?.message.visibleTo, BOB.id);
  assert.match(effectsOf(other, 'post')[0]?.message.text ?? '', /Only the requester \(alice\)/);

  const effects = driver.send({ type: 'varyAsked', user: ALICE, round: 1, candidate: 2 });
  const outcome = driver.state.rounds[0]?.outcome;
  assert.deepEqual(outcome?.kind === 'vary' && [outcome.by, outcome.candidate], ['requester', 2]);
  const [job] = candidatesJobs(effects);
  assert.deepEqual(job?.kind === 'candidates' && job.init, {
    imagePath: '/art/gen1/r1-2.png',
    strength: DEFAULT_VARIATION_STRENGTH,
  });

  // Round 2 is being drawn: no vote is open.
  const late = driver.send({ type: 'varyAsked', user: ALICE, round: 2, candidate: 1 });
  assert.match(effectsOf(late, 'post')[0]?.message.text ?? '', /You have no vote open here/);
  assert.equal(effectsOf(late, 'enqueue').length, 0);
});

test('/video vary <n> asked of a round that closed meanwhile changes nothing in the next one', () => {
  const driver = votingDriver();
  driver.react(ALICE, '🔄'); // the requester's 🔄 closes round 1 at once: round 2 is drawn
  const rounds = JSON.stringify(driver.state.rounds);
  assert.equal(driver.state.rounds.length, 2);
  // Alice asked while round 1 was open; the event arrives after it closed.
  const stale = driver.send({ type: 'varyAsked', user: ALICE, round: 1, candidate: 4 });
  assert.deepEqual(stale, [], 'no effects: the service answers that it could not be done');
  assert.equal(JSON.stringify(driver.state.rounds), rounds);
});
