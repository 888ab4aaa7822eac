// Runs inside the engine thread: loads the engine from the module the worker named, runs one
// request per message and streams progress back. Inference blocks only this thread, so the
// worker's main thread keeps renewing job locks and publishing progress.
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { EngineModuleRef, GenerationEngine } from '../engine-port.js';
import {
  type FromThread,
  type OutputOf,
  type RequestOf,
  serializeError,
  type ToThread,
} from './messages.js';
import type { AnimationRequest, CandidatesRequest } from '../engine-port.js';

if (!parentPort) throw new Error('engine-thread.ts must run in a worker thread');
const port = parentPort;
const send = (message: FromThread) => port.postMessage(message);

let engine: GenerationEngine | undefined;
const running = new Map<number, AbortController>();

async function loadEngine(ref: EngineModuleRef): Promise<GenerationEngine> {
  const url = ref.module.startsWith('file:') ? ref.module : pathToFileURL(ref.module).href;
  const module = (await import(url)) as Record<string, unknown>;
  const exportName = ref.exportName ?? 'createEngine';
  const factory = module[exportName];
  if (typeof factory !== 'function') {
    throw new Error(`engine module ${ref.module} has no function export "${exportName}"`);
  }
  return (await factory(ref.options)) as GenerationEngine;
}

async function run(id: number, kind: string, request: RequestOf<'candidates' | 'animation'>) {
  const controller = new AbortController();
  running.set(id, controller);
  const call = {
    ...request,
    signal: controller.signal,
    onProgress: (progress: { stage: string; step: number; total: number }) =>
      send({ type: 'progress', id, progress }),
  };
  try {
    if (!engine) throw new Error('engine not loaded');
    const output: OutputOf<'candidates' | 'animation'> =
      kind === 'candidates'
        ? await engine.generateCandidates(call as CandidatesRequest)
        : await engine.animate(call as AnimationRequest);
    send({ type: 'done', id, output });
  } catch (error) {
    send({ type: 'failed', id, error: serializeError(error) });
  } finally {
    running.delete(id);
  }
}

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'init':
      loadEngine(message.engine).then(
        (loaded) => {
          engine = loaded;
          send({ type: 'ready' });
        },
        (error) => send({ type: 'init-failed', error: serializeError(error) }),
      );
      break;
    case 'run':
      void run(message.id, message.kind, message.request);
      break;
    case 'abort':
      running.get(message.id)?.abort(new Error(message.reason));
      break;
    case 'close':
      for (const controller of running.values()) controller.abort(new Error('engine closing'));
      void (engine?.close() ?? Promise.resolve())
        .catch(() => {})
        .finally(() => {
          send({ type: 'closed' });
          port.close();
        });
      break;
  }
});
