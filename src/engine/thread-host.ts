// The one worker-thread host: runs an object made by a module's factory in a thread of its own,
// so that blocking work (onnxruntime's run(), a test engine's busy loop) never stalls the
// caller's event loop. loadEngine() runs the engine here for the CLI, bench, eval and the queue
// worker; the queue tests run their fake engine here too (test/queue/helpers.ts).
//
// A hosted method takes nothing or one request object. Its `signal` and `onProgress` fields
// cannot cross a thread, so the host carries them: an abort is sent over (the caller's promise
// rejects at once with EngineAbortedError, the thread's copy of the signal fires and the work
// stops between steps) and progress comes back to the caller's listener. Errors keep their
// name, message and `field` (errors.ts), so an EngineInputError stays one. If the thread dies,
// the calls in flight fail with EngineThreadError and the next call starts a fresh thread.
import { Worker } from 'node:worker_threads';
import { EngineAbortedError, deserializeError, type SerializedError } from './errors.js';

/** The thread died, or was closed, with the call in flight; a retry may succeed. */
export class EngineThreadError extends Error {
  override readonly name = 'EngineThreadError';
}

type Factory = (...args: never[]) => Promise<object> | object;

/**
 * A module the thread imports, and the factory export it calls there. A function cannot cross
 * into a thread, so the thread needs the module's URL. Write it next to a static
 * `import type { factory } from './x.js'` of the same module: tsc then checks the factory's
 * arguments and result, and a reader (or a tool) can follow the import.
 */
export interface ThreadModule<F extends Factory> {
  readonly href: string;
  readonly exportName: string;
  /** Type only (never set): the factory's signature. */
  readonly factory?: F;
}

export function threadModule<F extends Factory>(url: URL, exportName: string): ThreadModule<F> {
  return { href: url.href, exportName };
}

/** What the thread starts from (worker data). */
export interface ThreadStart {
  href: string;
  exportName: string;
  args: unknown[];
}

export type ToThread =
  | { type: 'call'; id: number; method: string; request?: object }
  | { type: 'abort'; id: number }
  | { type: 'close' };

export type FromThread =
  | { type: 'ready' }
  | { type: 'start-failed'; error: SerializedError }
  | { type: 'progress'; id: number; progress: unknown }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'failed'; id: number; error: SerializedError };

/** The hooks a request may carry across the thread boundary. */
interface CallHooks {
  signal?: AbortSignal;
  onProgress?: (progress: never) => void;
}

type Method<Api> = {
  [K in keyof Api]: Api[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Api] &
  string;
type ArgsOf<F> = F extends (...args: infer A) => unknown ? A : never;
type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: never) => void;
}

const BOOTSTRAP = new URL('./thread-bootstrap.mjs', import.meta.url);

export class ThreadHost<Api extends object> {
  private thread: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(private readonly start: ThreadStart) {}

  /** Starts the thread and calls the factory there; rejects with the factory's own error. */
  static async open<F extends Factory>(
    module: ThreadModule<F>,
    ...args: Parameters<F>
  ): Promise<ThreadHost<Awaited<ReturnType<F>>>> {
    const host = new ThreadHost<Awaited<ReturnType<F>>>({ ...module, args });
    await host.running();
    return host;
  }

  async call<K extends Method<Api>>(method: K, ...args: ArgsOf<Api[K]>): Promise<ResultOf<Api[K]>> {
    const { signal, onProgress, ...request } = (args[0] ?? {}) as CallHooks;
    const thread = await this.running();
    if (signal?.aborted) throw new EngineAbortedError();
    const id = this.nextId++;
    const onAbort = () => {
      this.pending.get(id)?.reject(new EngineAbortedError());
      this.pending.delete(id);
      thread.postMessage({ type: 'abort', id } satisfies ToThread);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<ResultOf<Api[K]>>((resolve, reject) => {
        this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, onProgress });
        const message: ToThread = { type: 'call', id, method };
        thread.postMessage(args.length > 0 ? { ...message, request } : message);
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Lets the hosted object close, then ends the thread (forcefully after `timeoutMs`). */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const thread = await this.thread?.catch(() => undefined);
    if (!thread) return;
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    thread.postMessage({ type: 'close' } satisfies ToThread);
    const timer = setTimeout(() => void thread.terminate(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  private running(): Promise<Worker> {
    if (this.closed) return Promise.reject(new EngineThreadError('the engine is closed'));
    this.thread ??= this.spawn();
    return this.thread;
  }

  private spawn(): Promise<Worker> {
    const thread = new Worker(BOOTSTRAP, { workerData: this.start });
    let crash: Error | undefined;
    const started = new Promise<Worker>((resolve, reject) => {
      thread.on('message', (message: FromThread) => {
        if (message.type === 'ready') resolve(thread);
        else if (message.type === 'start-failed') {
          reject(deserializeError(message.error));
          void thread.terminate();
        } else this.onReply(message);
      });
      thread.on('error', (error) => (crash = error));
      thread.once('exit', (code) => {
        const error = new EngineThreadError(
          this.closed
            ? 'the engine was closed'
            : `the engine thread exited (code ${code})${crash ? `: ${crash.message}` : ''}`,
        );
        reject(error);
        // Whatever was running is lost; the next call starts a fresh thread.
        if (this.thread === started) this.thread = undefined;
        for (const pending of this.pending.values()) pending.reject(error);
        this.pending.clear();
      });
    });
    return started;
  }

  private onReply(message: Exclude<FromThread, { type: 'ready' | 'start-failed' }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return; // aborted: the caller has its answer already
    if (message.type === 'progress') {
      try {
        pending.onProgress?.(message.progress as never);
      } catch {
        // a progress listener's own error must not break the call
      }
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'done') pending.resolve(message.result);
    else pending.reject(deserializeError(message.error));
  }
}
