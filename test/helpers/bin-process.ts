// An entry point (src/bin/<name>.ts) as a child process, the way `npm run` starts it: only
// PATH from this environment plus the given settings, output collected, exit code awaited.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface BinProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  exited: Promise<number | null>;
}

export function startBin(name: string, env: Record<string, string>, cwd = ROOT): BinProcess {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), path.join(ROOT, 'src', 'bin', `${name}.ts`)],
    { cwd, env: { PATH: process.env.PATH, ...env } },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output: () => output, exited };
}

/** Settings for `npm start` in a test: data under `work`, any free port, its own queue prefix. */
export function allInOneSettings(work: string, prefix: string, redisUrl: string) {
  return {
    DATA_DIR: path.join(work, 'data'),
    HTTP_PORT: '0',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    ENGINE_THREADS: '1',
    LOG_LEVEL: 'warn',
  };
}
