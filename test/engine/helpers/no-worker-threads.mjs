// Preloaded (`node --import`) by the CLI test: any worker thread the program starts throws.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const workerThreads = createRequire(import.meta.url)('node:worker_threads');
workerThreads.Worker = class {
  constructor() {
    throw new Error('this process must not start a worker thread');
  }
};
syncBuiltinESMExports();
