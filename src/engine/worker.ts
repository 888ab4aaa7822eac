// The engine's worker thread: opens the model once, then runs jobs sent by WorkerExecutor,
// posting progress after every step and checking the shared cancel flag between steps.
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './errors.js';
import type { WorkerData, WorkerReply, WorkerRequest } from './executor.js';
import { runAnimateJob, runCandidatesJob } from './jobs.js';
import { readModelFolder } from './model-folder.js';
import { ModelRuntime } from './runtime.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');
const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) =>
  port.postMessage(reply, transfer);

const { modelDir, options } = workerData as WorkerData;

async function main(): Promise<void> {
  let runtime: ModelRuntime;
  try {
    runtime = await ModelRuntime.open(readModelFolder(modelDir), options);
  } catch (error) {
    post({ type: 'startup-failed', error: serializeError(error) });
    return;
  }
  port!.on('message', (request: WorkerRequest) => {
    void handle(runtime, request);
  });
  post({ type: 'ready' });
}

async function handle(runtime: ModelRuntime, request: WorkerRequest): Promise<void> {
  const flag = new Int32Array(request.cancel);
  const hooks = {
    onStep: (step: number, total: number) =>
      post({ type: 'progress', id: request.id, step, total }),
    isCancelled: () => Atomics.load(flag, 0) === 1,
  };
  try {
    const pixels =
      request.type === 'candidates'
        ? await runCandidatesJob(runtime, request.job, hooks)
        : await runAnimateJob(runtime, request.job, request.firstFrame, hooks);
    post({ type: 'done', id: request.id, pixels }, [pixels.buffer as ArrayBuffer]);
  } catch (error) {
    post({ type: 'failed', id: request.id, error: serializeError(error) });
  }
}

void main();
