// An engine that answers at once (or after `delayMs`), for bench/queue.ts: what is measured is
// the queue's own work (Redis, the engine thread hop, artifacts, the job store).
import { setTimeout as sleep } from 'node:timers/promises';
import type { GenerationEngine } from '../src/queue/engine-port.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export async function createEngine(options: { delayMs?: number } = {}): Promise<GenerationEngine> {
  const wait = async () => {
    if (options.delayMs) await sleep(options.delayMs);
  };
  return {
    async generateCandidates(request) {
      await wait();
      request.onProgress?.({ stage: 'denoising', step: 1, total: 1 });
      return { candidates: [PNG, PNG, PNG, PNG], grid: PNG, seeds: [1, 2, 3, 4] };
    },
    async animate(request) {
      await wait();
      request.onProgress?.({ stage: 'denoising', step: 1, total: 1 });
      return { mp4: PNG, gif: GIF };
    },
    async close() {},
  };
}
