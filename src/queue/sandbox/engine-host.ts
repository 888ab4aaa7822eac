// The worker's side of the engine thread: starts it (again, after a crash), sends requests,
// forwards progress and aborts, and turns the thread's replies back into promises.
import { Worker } from 'node:worker_threads';
import type { EngineModuleRef, JobProgress } from '../engine-port.js';
import type { JobKind } from '../../core/contract.js';
import {
  deserializeError,
  type FromThread,
  type OutputOf,
  type RequestOf,
  type ToThread,
} from './messages.js';

interface Pending {
  resolve(output: OutputOf<JobKind>): void;
  reject(error: Error): void;
  onProgress?: (progress: JobProgress) => void;
}

/** The engine thread died or could not load the engine; the job may be retried. */
export class EngineThreadError extends Error {
  override name = 'EngineThreadError';
}

const threadUrl = new URL(
  `./engine-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/** Under tsx (this file is .ts) the thread must register tsx itself: Node 20 does not pass it on. */
function threadBootstrap(): string {
  const load = `import(${JSON.stringify(threadUrl.href)})`;
  if (!threadUrl.pathname.endsWith('.ts')) return load;
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${tsx}).then((api) => api.register()).then(() => ${load})`;
}

export class EngineHost {
  private thread: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly engine: EngineModuleRef) {}

  /** Starts the thread and loads the engine, once; rejects when the engine cannot load. */
  start(): Promise<void> {
    this.ready ??= this.spawn();
    return this.ready;
  }

  async run<K extends JobKind>(
    kind: K,
    request: RequestOf<K>,
    options: { onProgress?: (progress: JobProgress) => void; signal?: AbortSignal } = {},
  ): Promise<OutputOf<K>> {
    await this.start();
    const thread = this.thread!;
    const id = this.nextId++;
    options.signal?.throwIfAborted();
    return new Promise<OutputOf<K>>((resolve, reject) => {
      // Abort answers at once; the thread stops its engine between steps (or is ended on close).
      const onAbort = () => {
        const reason = String(options.signal?.reason ?? 'aborted');
        this.post(thread, { type: 'abort', id, reason });
        this.pending.get(id)?.reject(Object.assign(new Error(reason), { name: 'AbortError' }));
        this.pending.delete(id);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => options.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (output) => {
          settle();
          resolve(output as OutputOf<K>);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        onProgress: options.onProgress,
      });
      this.post(thread, { type: 'run', id, kind, request });
    });
  }

  /** Lets the engine close, then ends the thread (forcefully after `timeoutMs`). */
  async close(timeoutMs = 5000): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.thread = undefined;
    this.ready = undefined;
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    this.post(thread, { type: 'close' });
    const timer = setTimeout(() => void thread.terminate(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private post(thread: Worker, message: ToThread) {
    thread.postMessage(message);
  }

  private spawn(): Promise<void> {
    const thread = new Worker(threadBootstrap(), { eval: true });
    this.thread = thread;
    return new Promise<void>((resolve, reject) => {
      thread.on('message', (message: FromThread) => {
        switch (message.type) {
          case 'ready':
            return resolve();
          case 'init-failed':
            return reject(
              new EngineThreadError(`the engine did not load: ${message.error.message}`),
            );
          case 'progress':
            return this.pending.get(message.id)?.onProgress?.(message.progress);
          case 'done':
            this.pending.get(message.id)?.resolve(message.output);
            return this.pending.delete(message.id);
          case 'failed':
            this.pending.get(message.id)?.reject(deserializeError(message.error));
            return this.pending.delete(message.id);
        }
      });
      thread.on('error', (error) => reject(new EngineThreadError(error.message)));
      thread.once('exit', (code) => {
        // Whatever was running is lost; the next run starts a fresh thread.
        if (this.thread === thread) {
          this.thread = undefined;
          this.ready = undefined;
        }
        const error = new EngineThreadError(`the engine thread exited (code ${code})`);
        for (const pending of this.pending.values()) pending.reject(error);
        this.pending.clear();
        reject(error);
      });
      this.post(thread, { type: 'init', engine: this.engine });
    });
  }
}
