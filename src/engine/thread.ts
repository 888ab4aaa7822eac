// Inside the host's thread (see thread-host.ts): imports the module, calls its factory once,
// then runs each call on the object it made, with a signal of its own and progress posted back.
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './errors.js';
import type { FromThread, ThreadStart, ToThread } from './thread-host.js';

if (!parentPort) throw new Error('thread.ts must run in a worker thread (see thread-host.ts)');
const port = parentPort;
const send = (message: FromThread) => port.postMessage(message);

type Hosted = Record<string, (request?: object) => unknown>;
const running = new Map<number, AbortController>();

async function start({ href, exportName, args }: ThreadStart): Promise<Hosted> {
  const factory = ((await import(href)) as Record<string, unknown>)[exportName];
  if (typeof factory !== 'function') {
    throw new Error(`${href} has no function export "${exportName}"`);
  }
  return (await factory(...args)) as Hosted;
}

async function call(hosted: Hosted, id: number, method: string, request?: object) {
  const controller = new AbortController();
  running.set(id, controller);
  const hooks = {
    signal: controller.signal,
    onProgress: (progress: unknown) => send({ type: 'progress', id, progress }),
  };
  try {
    if (typeof hosted[method] !== 'function') throw new Error(`no method "${method}"`);
    const result = await hosted[method](request && { ...request, ...hooks });
    send({ type: 'done', id, result });
  } catch (error) {
    send({ type: 'failed', id, error: serializeError(error) });
  } finally {
    running.delete(id);
  }
}

async function close(hosted: Hosted) {
  for (const controller of running.values()) controller.abort();
  try {
    await hosted.close?.();
  } finally {
    process.exit(0); // in a worker thread: ends this thread only
  }
}

try {
  const hosted = await start(workerData as ThreadStart);
  port.on('message', (message: ToThread) => {
    if (message.type === 'call') void call(hosted, message.id, message.method, message.request);
    else if (message.type === 'abort') running.get(message.id)?.abort();
    else void close(hosted);
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'start-failed', error: serializeError(error) });
}
