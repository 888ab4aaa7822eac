// The fake Slack's markup check itself: what the adapter writes passes, what Slack would misread
// does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeSlackText, slackTime } from '../../../src/bots/slack/text.js';
import { slackMarkupProblems } from './slack-markup.js';

test('escaped user text, mentions and the closing time read as meant', () => {
  const at = Date.UTC(2026, 10, 26, 12, 1, 0);
  assert.equal(slackTime(at), 'at <!date^1795694460^{time_secs}|12:01:00 UTC>');
  const text = `<@U0ALICE>: ${escapeSlackText('a <red> & blue circle')} closes ${slackTime(at)}`;
  assert.deepEqual(slackMarkupProblems(text), []);
  assert.deepEqual(slackMarkupProblems('see <https://example.com|the docs> <#C0VIDEOS>'), []);
});

test('unescaped text and bad dates are caught', () => {
  assert.equal(slackMarkupProblems('a <red> circle').length, 1);
  assert.equal(slackMarkupProblems('1 < 2').length, 1);
  assert.equal(slackMarkupProblems('salt & pepper').length, 1);
  assert.match(slackMarkupProblems('<!date^1795694460^{hour}|12:01>')[0] ?? '', /date token/);
  assert.equal(slackMarkupProblems('<!date^1795694460^{time}>').length, 1, 'no fallback');
});
