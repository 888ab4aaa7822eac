// Runs the real entry points as child processes, as a user would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { rawQuery } from '../helpers/databases.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const work = mkdtempSync(path.join(tmpdir(), 'ff-entry-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  output: string;
}

/** Starts `src/bin/<name>.ts`; resolves when it exits, or kills it when `until` matches. */
function run(
  name: string,
  env: Record<string, string>,
  until?: RegExp,
  onMatch?: (output: string) => Promise<void>,
): Promise<Run> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), `${name}.ts`], {
    cwd: work,
    env: { PATH: process.env.PATH, ...env },
  });
  let output = '';
  let matched = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (until && !matched && until.test(output)) {
      matched = true;
      void (onMatch?.(output) ?? Promise.resolve()).finally(() => child.kill('SIGTERM'));
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

// Run from an empty folder, so that no .env file of the developer's is read.
function bin(name: string) {
  return path.join(ROOT, 'src/bin', name);
}

test('npm start migrates SQLite under DATA_DIR, serves the page on the printed URL, stops on SIGTERM', async () => {
  const dataDir = path.join(work, 'data');
  let page = '';
  const result = await run(
    bin('start'),
    { DATA_DIR: dataDir, HTTP_PORT: '0', REDIS_URL: 'redis://127.0.0.1:6379' },
    /open (http:\/\/\S+)/,
    async (output) => {
      const url = /open (http:\/\/\S+)/.exec(output)![1]!;
      page = await (await fetch(url)).text();
    },
  );
  assert.equal(result.code, 0, result.output);
  assert.match(page, /<title>firstframe playground<\/title>/);
  const file = path.join(dataDir, 'firstframe.db');
  assert.ok(existsSync(file));
  const mode = await rawQuery({ kind: 'sqlite', url: `file:${file}`, file }, 'PRAGMA journal_mode');
  assert.deepEqual(mode, [{ journal_mode: 'wal' }]);
  assert.match(result.output, /migrated the SQLite database/);
});

test('bad settings: every problem named, exit code 2, nothing written', async () => {
  const dataDir = path.join(work, 'bad-config');
  const result = await run(bin('db-migrate'), {
    DATA_DIR: dataDir,
    DATABASE_URL: 'mysql://root:pw@localhost/x',
    WORKER_CONCURRENCY: 'many',
  });
  assert.equal(result.code, 2);
  assert.match(
    result.output,
    /DATABASE_URL \(mysql:\/\/root:\*\*\*@localhost\/x\): unknown scheme/,
  );
  assert.match(result.output, /WORKER_CONCURRENCY \("many"\)/);
  assert.ok(!existsSync(dataDir));
});

test('unreachable PostgreSQL: a one-line reason and exit code 1', async () => {
  const result = await run(bin('db-migrate'), {
    DATA_DIR: path.join(work, 'unreachable'),
    DATABASE_URL: 'postgresql://postgres:secret@127.0.0.1:1/firstframe',
  });
  assert.equal(result.code, 1);
  assert.match(result.output, /db:migrate: cannot migrate the PostgreSQL database .*Can't reach/);
  assert.doesNotMatch(result.output, /secret/);
  assert.doesNotMatch(result.output, /\n\s+at /, 'no stack trace');
});

test('the chat bots say what to configure when their tokens are missing', async () => {
  const discord = await run(bin('discord'), {});
  assert.equal(discord.code, 1);
  assert.match(discord.output, /set DISCORD_TOKEN and DISCORD_APPLICATION_ID/);
  const slack = await run(bin('slack'), {});
  assert.equal(slack.code, 1);
  assert.match(slack.output, /slack: Slack is not configured \(see docs\/slack\.md\)/);
  // Each problem on its line, naming the variable to set: the bot token, and either the
  // signing secret (HTTP mode) or the app-level token (Socket Mode).
  assert.match(slack.output, /^ {2}- set SLACK_BOT_TOKEN to the bot token/m);
  assert.match(slack.output, /^ {2}- HTTP mode needs SLACK_SIGNING_SECRET.*SLACK_APP_TOKEN/m);
  assert.doesNotMatch(slack.output, /\n\s+at /, 'no stack trace');
});
