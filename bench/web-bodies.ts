// How much memory the playground's server takes when many large bodies arrive at once:
// starts the web server (no bot behind it) in a child process on 127.0.0.1, sends N
// concurrent POST /api/command bodies of S MB (a line with a base64 "image"), and prints the
// child's resident memory before and its peak (VmHWM) after, from /proc (Linux only).
// Usage: npx tsx bench/web-bodies.ts [--bodies 20] [--mb 8] [--root .]
//   --root: a checkout whose src/bots/web/server.ts to measure (e.g. a worktree of an older
//   commit, to compare). Loopback only; the child is stopped at the end.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    bodies: { type: 'string', default: '20' },
    mb: { type: 'string', default: '8' },
    root: { type: 'string', default: '.' },
    serve: { type: 'boolean', default: false },
  },
});

if (values.serve) {
  // The child: the web server of `root`, printing where it listens (and its token, if any).
  const root = path.resolve(values.root);
  const server = (await import(pathToFileURL(path.join(root, 'src/bots/web/server.ts')).href)) as {
    startWebServer(options: object): Promise<{ url: string; access?: { token: string } }>;
  };
  const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
  const web = await server.startWebServer({ host: '127.0.0.1', port: 0, log: silent });
  console.log(JSON.stringify({ url: web.url, token: web.access?.token }));
} else {
  await measure();
}

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

function send(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const target = new URL('/api/command', url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: target.pathname,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': body.length },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    req.on('error', (error) => resolve({ status: 0, text: error.message }));
    req.end(body);
  });
}

async function measure(): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', here, '--serve', '--root', values.root],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).once('line', resolve),
    );
    const { url, token } = JSON.parse(line) as { url: string; token?: string };
    const headers: Record<string, string> = {};
    let user: { user?: string } = { user: 'bench' }; // the old API took the name from the body
    if (token) {
      headers.authorization = `Bearer ${token}`;
      const session = await fetch(new URL('/api/session', url), {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench' }),
      });
      headers.cookie = session.headers
        .getSetCookie()
        .map((cookie) => cookie.split(';')[0]!)
        .find((cookie) => cookie.startsWith('ff_session='))!;
      user = {};
    }
    const size = Number(values.mb) * 1024 * 1024;
    const image = Buffer.alloc(Math.floor(((size - 200) * 3) / 4), 7).toString('base64');
    const body = Buffer.from(
      JSON.stringify({
        ...user,
        text: '/help',
        image: { name: 'x.png', type: 'image/png', data: image },
      }),
    );
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = memoryOf(child.pid!);
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: Number(values.bodies) }, () => send(url, body, headers)),
    );
    const ms = performance.now() - started;
    const after = memoryOf(child.pid!);
    const statuses = new Map<number, number>();
    for (const { status } of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    // What each kind of answer said (status 0: the connection failed, with its error).
    const said = Object.fromEntries(answers.map(({ status, text }) => [status, text.slice(0, 80)]));
    console.log(
      JSON.stringify({
        root: path.resolve(values.root),
        bodies: Number(values.bodies),
        bodyMb: +(body.length / 1024 / 1024).toFixed(2),
        statuses: Object.fromEntries(statuses),
        said,
        rssBeforeMb: +before.rssMb.toFixed(1),
        peakRssMb: +after.peakMb.toFixed(1),
        peakGrowthMb: +(after.peakMb - before.rssMb).toFixed(1),
        rssAfterMb: +after.rssMb.toFixed(1),
        ms: Math.round(ms),
      }),
    );
  } finally {
    child.kill('SIGTERM');
  }
}
