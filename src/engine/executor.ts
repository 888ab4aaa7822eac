// Where inference runs. `InProcessExecutor` runs on the calling thread (tests, tools);
// `WorkerExecutor` runs it in a worker thread, because onnxruntime's run() would block a
// bot's or a queue worker's event loop. Both run one job at a time, in call order.
import { Worker } from 'node:worker_threads';
import { EngineAbortedError, deserializeError, type SerializedError } from './errors.js';
import { runAnimateJob, runCandidatesJob } from './jobs.js';
import type { ModelFolder } from './model-folder.js';
import type { EngineOptions } from './options.js';
import type { AnimateJob, CandidatesJob } from './requests.js';
import { ModelRuntime } from './runtime.js';

export interface JobHooks {
  signal?: AbortSignal;
  onStep?: (step: number, total: number) => void;
}

export interface Executor {
  candidates(job: CandidatesJob, hooks: JobHooks): Promise<Uint8Array>;
  animate(job: AnimateJob, firstFrame: Uint8Array, hooks: JobHooks): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Runs `task` after every earlier one settled. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class InProcessExecutor implements Executor {
  private readonly queue = new SerialQueue();
  private constructor(private readonly runtime: ModelRuntime) {}

  static async open(folder: ModelFolder, options: EngineOptions): Promise<InProcessExecutor> {
    return new InProcessExecutor(await ModelRuntime.open(folder, options));
  }

  candidates(job: CandidatesJob, hooks: JobHooks): Promise<Uint8Array> {
    return this.queue.run(() => runCandidatesJob(this.runtime, job, stepHooks(hooks)));
  }

  animate(job: AnimateJob, firstFrame: Uint8Array, hooks: JobHooks): Promise<Uint8Array> {
    return this.queue.run(() => runAnimateJob(this.runtime, job, firstFrame, stepHooks(hooks)));
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
}

function stepHooks(hooks: JobHooks) {
  return { onStep: hooks.onStep, isCancelled: () => hooks.signal?.aborted ?? false };
}

/** Messages between the engine and its worker thread (worker.ts). */
export type WorkerRequest =
  | { type: 'candidates'; id: number; job: CandidatesJob; cancel: SharedArrayBuffer }
  | {
      type: 'animate';
      id: number;
      job: AnimateJob;
      firstFrame: Uint8Array;
      cancel: SharedArrayBuffer;
    };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'progress'; id: number; step: number; total: number }
  | { type: 'done'; id: number; pixels: Uint8Array }
  | { type: 'failed'; id: number; error: SerializedError }
  | { type: 'startup-failed'; error: SerializedError };

export interface WorkerData {
  modelDir: string;
  options: EngineOptions;
}

interface Pending {
  resolve: (pixels: Uint8Array) => void;
  reject: (error: Error) => void;
  onStep?: (step: number, total: number) => void;
}

export class WorkerExecutor implements Executor {
  private readonly queue = new SerialQueue();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exitError: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => this.failAll(new Error(`engine worker exited with code ${code}`)));
  }

  static async open(folder: ModelFolder, options: EngineOptions): Promise<WorkerExecutor> {
    const url = new URL('./worker-bootstrap.mjs', import.meta.url);
    const data: WorkerData = { modelDir: folder.dir, options };
    const worker = new Worker(url, { workerData: data });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: WorkerReply) => {
        if (reply.type === 'ready') resolve();
        if (reply.type === 'startup-failed') reject(deserializeError(reply.error));
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`engine worker exited with code ${code} while loading`)),
      );
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new WorkerExecutor(worker);
  }

  candidates(job: CandidatesJob, hooks: JobHooks): Promise<Uint8Array> {
    return this.queue.run(() =>
      this.send(hooks, (id, cancel) => ({ type: 'candidates', id, job, cancel })),
    );
  }

  animate(job: AnimateJob, firstFrame: Uint8Array, hooks: JobHooks): Promise<Uint8Array> {
    return this.queue.run(() =>
      this.send(hooks, (id, cancel) => ({ type: 'animate', id, job, firstFrame, cancel })),
    );
  }

  private send(
    hooks: JobHooks,
    build: (id: number, cancel: SharedArrayBuffer) => WorkerRequest,
  ): Promise<Uint8Array> {
    if (this.exitError) return Promise.reject(this.exitError);
    if (hooks.signal?.aborted) return Promise.reject(new EngineAbortedError());
    const id = this.nextId++;
    // A shared flag the worker reads between steps: it sees a cancel even while busy.
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const onAbort = () => Atomics.store(flag, 0, 1);
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onStep: hooks.onStep });
      this.worker.postMessage(build(id, cancel));
    }).finally(() => hooks.signal?.removeEventListener('abort', onAbort));
  }

  private onReply(reply: WorkerReply): void {
    if (reply.type === 'ready' || reply.type === 'startup-failed') return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.type === 'progress') {
      pending.onStep?.(reply.step, reply.total);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.type === 'done') pending.resolve(reply.pixels);
    else pending.reject(deserializeError(reply.error));
  }

  private failAll(error: Error): void {
    this.exitError ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.exitError ??= new Error('engine is closed');
    await this.worker.terminate();
  }
}
