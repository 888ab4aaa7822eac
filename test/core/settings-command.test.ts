// `/settings` parsing (every problem at once, with what is allowed), applying a channel's
// settings to a /video, and the replies' words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelFlow, parseCommand, withChannelDefaults } from '../../src/core/commands/index.js';
import { limitsForModel, REQUEST_LIMITS } from '../../src/core/contract.js';
import { describeSettingsChange, settingsReport } from '../../src/service/settings-report.js';

function parsed(text: string, limits = REQUEST_LIMITS) {
  const result = parseCommand(text, { limits });
  if (!result.ok) assert.fail(result.error);
  return result.command;
}

function refusal(text: string, limits = REQUEST_LIMITS): string {
  const result = parseCommand(text, { limits });
  assert.equal(result.ok, false, `${text} was accepted`);
  return result.ok ? '' : result.error;
}

test('show, set (pairs, name=value, --name, every spelling of the window), reset', () => {
  assert.deepEqual(parsed('/settings'), { kind: 'settings-show' });
  assert.deepEqual(parsed('/video-settings show'), { kind: 'settings-show' });
  assert.deepEqual(
    parsed(
      '/settings set vote-window 90s steps 20 guidance=7.5 --fps 16 extend Requester max_rounds 3',
    ),
    {
      kind: 'settings-change',
      change: {
        action: 'set',
        values: {
          voteWindowSeconds: 90,
          steps: 20,
          guidance: 7.5,
          fps: 16,
          extendBy: 'requester',
          maxRounds: 3,
        },
      },
    },
  );
  const windows = ['45', '2m', '1m30s', '10s', '10m'].map((value) => {
    const command = parsed(`/settings set vote-window ${value}`);
    return command.kind === 'settings-change' && command.change.action === 'set'
      ? command.change.values.voteWindowSeconds
      : undefined;
  });
  assert.deepEqual(windows, [45, 120, 90, 10, 600]);
  assert.deepEqual(parsed('/settings reset'), {
    kind: 'settings-change',
    change: { action: 'reset', names: [] },
  });
  assert.deepEqual(parsed('/settings reset steps vote-window steps'), {
    kind: 'settings-change',
    change: { action: 'reset', names: ['steps', 'vote-window'] },
  });
});

test('every problem of a /settings set at once, each naming what is allowed', () => {
  const error = refusal(
    '/settings set vote-window 5s stpes 20 guidance 40 extend everyone max-rounds 11 steps 2 steps 3 fps',
  );
  for (const expected of [
    /vote-window must be from 10s to 10m, written like 90s, 2m or 1m30s \(got "5s"\)/,
    /unknown setting "stpes" \(did you mean steps\? allowed: vote-window, steps, guidance, fps, extend, max-rounds\)/,
    /guidance must be a number from 0 to 20 \(got 40\)/,
    /extend must be anyone or requester \(got "everyone"\)/,
    /max-rounds must be a whole number from 1 to 10 \(got 11\)/,
    /steps is given twice/,
    /fps needs a value/,
    /Usage: \/settings \[show\]/,
  ]) {
    assert.match(error, expected);
  }
  assert.match(
    refusal('/settings sett steps 2'),
    /unknown \/settings action "sett" \(did you mean set\? allowed: show, set, reset\)/,
  );
  assert.match(refusal('/settings reset colour'), /unknown setting "colour"/);
  assert.match(refusal('/settings set'), /say what to set: a name and its value/);
});

test("steps and fps are checked against the model's own limits, as /video's are", () => {
  const model = limitsForModel({ maxSteps: 20, fps: [8] });
  assert.match(
    refusal('/settings set fps 16', model),
    /this model cannot make 16 fps videos: it makes 8 fps \(16 needs a video model trained to interpolate\)/,
  );
  assert.match(refusal('/settings set fps 0'), /fps must be a whole number from 1 to 60 \(got 0\)/);
  assert.equal(parsed('/settings set fps 8', model).kind, 'settings-change');
  assert.match(
    refusal('/settings set steps 30', model),
    /steps must be a whole number from 1 to 20 \(got 30\)/,
  );
  assert.equal(parsed('/settings set steps 20', model).kind, 'settings-change');
});

test("a /video takes the channel's steps, guidance and fps unless it names its own; the flow its window and rounds", () => {
  const channel = { steps: 12, guidance: 6, fps: 16, voteWindowSeconds: 90, maxRounds: 2 };
  assert.deepEqual(withChannelDefaults({ prompt: 'a red circle' }, channel, REQUEST_LIMITS), {
    prompt: 'a red circle',
    steps: 12,
    guidance: 6,
    fps: 16,
  });
  assert.deepEqual(
    withChannelDefaults({ prompt: 'a red circle', steps: 3, fps: 8 }, channel, REQUEST_LIMITS),
    { prompt: 'a red circle', steps: 3, guidance: 6, fps: 8 },
  );
  // A model that makes 8 fps only: the channel's 16 is left out, the model's own rate applies.
  assert.deepEqual(
    withChannelDefaults({ prompt: 'x' }, { fps: 16 }, limitsForModel({ fps: [8] })),
    { prompt: 'x' },
  );
  // A model changed since allows fewer steps: its own default then.
  assert.deepEqual(
    withChannelDefaults({ prompt: 'x' }, { steps: 40 }, limitsForModel({ maxSteps: 20 })),
    { prompt: 'x' },
  );
  assert.deepEqual(channelFlow(channel), { voteWindowMs: 90_000, maxRounds: 2 });
  assert.deepEqual(channelFlow({ steps: 3 }), {});
});

test('the replies say which values are set here and which are defaults', () => {
  const report = settingsReport(
    { voteWindowSeconds: 150, steps: 20 },
    { voteWindowSeconds: 60, maxRounds: 5, extendBy: 'anyone' },
    '/video-settings',
  );
  assert.match(report, /• vote-window: 150s \(set here\)/);
  assert.match(report, /• steps: 20 \(set here\)/);
  assert.match(report, /• guidance: the model's own \(default\)/);
  assert.match(
    report,
    /• extend: anyone \(default\); who may extend a video with \/video extend, coming in a later version/,
  );
  assert.match(report, /• max-rounds: 5 \(default\)/);
  assert.match(report, /\/video-settings set <name> <value>/);
  assert.equal(
    describeSettingsChange({ action: 'set', values: { voteWindowSeconds: 90, steps: 20 } }),
    'vote-window set to 90s, steps set to 20 in this channel, from the next /video on',
  );
  assert.equal(
    describeSettingsChange({ action: 'reset', names: ['steps'] }),
    'steps is back to the default in this channel',
  );
});
