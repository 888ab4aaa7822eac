// Every reaction the flow adds or reads has a Slack name, both ways, and the fake Slack knows it
// (Slack answers `invalid_name` to reactions.add for a name it does not know).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emojiOfSlackName, slackNameOf } from '../../../src/bots/slack/index.js';
import {
  EXTEND_EMOJI,
  RETAKE_EMOJI,
  ROUND_REACTIONS,
  STORY_ROUND_REACTIONS,
} from '../../../src/core/flow/emoji.js';
import { KNOWN_EMOJI } from './fake-slack.js';

test('each flow reaction maps to its Slack name and back; the fake knows every name', () => {
  const all = new Set([...ROUND_REACTIONS, ...STORY_ROUND_REACTIONS, RETAKE_EMOJI, EXTEND_EMOJI]);
  for (const emoji of all) {
    const name = slackNameOf(emoji);
    assert.equal(emojiOfSlackName(name), emoji, name);
    assert.ok(KNOWN_EMOJI.has(name), `the fake Slack knows :${name}:`);
  }
  assert.equal(slackNameOf(EXTEND_EMOJI), 'fast_forward');
  assert.equal(emojiOfSlackName('fast_forward'), EXTEND_EMOJI);
  assert.equal(emojiOfSlackName('repeat'), RETAKE_EMOJI);
  assert.equal(emojiOfSlackName('thumbsup::skin-tone-2'), ':thumbsup:');
});
