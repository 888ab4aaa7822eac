// A generation's own vote window and round limit (its channel's settings, `GenerationRequest.flow`)
// win over the FlowConfig's, in the reducer and after a restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FLOW_CONFIG,
  flowConfigOf,
  resumeEffects,
  type GenerationState,
} from '../../src/core/flow/index.js';
import { ALICE, effectsOf, FlowDriver } from './flow-driver.js';

function driverWith(flow: GenerationState['flow']): FlowDriver {
  const driver = new FlowDriver(DEFAULT_FLOW_CONFIG);
  if (flow) driver.state.flow = flow;
  return driver;
}

test("a generation's own vote window sets the deadline and the grid's words", () => {
  const driver = driverWith({ voteWindowMs: 90_000 });
  const effects = driver.candidatesReady();
  assert.equal(driver.round.closesAt, driver.now + 90_000);
  assert.deepEqual(effectsOf(effects, 'setTimer')[0], {
    type: 'setTimer',
    round: 1,
    at: driver.now + 90_000,
  });
  const grid = effectsOf(effects, 'post').find((post) => post.key === 'round:1');
  assert.match(grid?.message.text ?? '', /Voting closes in 90 s/);
});

test("a generation's own round limit refuses 🔄 where the config's would allow it", () => {
  const driver = driverWith({ maxRounds: 1 });
  driver.candidatesReady();
  const refused = driver.react(ALICE, '🔄');
  assert.match(effectsOf(refused, 'post')[0]?.message.text ?? '', /at most 1 round\b/);
  assert.equal(driver.state.rounds.length, 1);
});

test('without own values the config applies; after a restart the saved values still do', () => {
  assert.equal(flowConfigOf({}, DEFAULT_FLOW_CONFIG), DEFAULT_FLOW_CONFIG);
  const partial = flowConfigOf({ flow: { voteWindowMs: 30_000 } }, DEFAULT_FLOW_CONFIG);
  assert.deepEqual(
    [partial.voteWindowMs, partial.maxRounds],
    [30_000, DEFAULT_FLOW_CONFIG.maxRounds],
  );
  // Saved (as JSON) while its grid was drawn but not yet delivered: resuming posts it again with
  // the generation's own window in its words.
  const driver = driverWith({ voteWindowMs: 30_000 });
  const saved = JSON.parse(JSON.stringify(driver.state)) as GenerationState;
  saved.phase = 'voting';
  saved.rounds[0]!.grid = '/art/grid.png';
  const [post] = resumeEffects(saved, DEFAULT_FLOW_CONFIG);
  assert.match(post?.type === 'post' ? post.message.text : '', /Voting closes in 30 s/);
});
