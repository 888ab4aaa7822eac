// The demo's storage and jobs in one folder: the SQLite store (generations, quota, audit) and the
// in-process job runner (stand-in pictures, real MP4/GIF), with the bot service's settings from
// the environment. `npm run playground` and `npm run slack` run on these until the Prisma store
// and the BullMQ queue take their place.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '../../config/schema.js';
import type { BotServiceDeps } from '../bot-service.js';
import { systemClock } from '../clock.js';
import { ffmpegPath } from './ffmpeg-path.js';
import { LocalJobs } from './local-jobs.js';
import { SqliteStore } from './sqlite-store.js';

export interface DemoParts {
  store: SqliteStore;
  jobs: LocalJobs;
  /** Everything the bot service needs but its chat adapters and logger. */
  deps: Omit<BotServiceDeps, 'adapters' | 'log'>;
  close(): void;
}

export function openDemoParts(
  folder: string,
  env: Env,
  options: { stepDelayMs?: number } = {},
): DemoParts {
  mkdirSync(folder, { recursive: true });
  // The demo store counts 0 as unlimited; the configuration says null.
  const limit = (value: number | null) => value ?? 0;
  const store = new SqliteStore(path.join(folder, `${path.basename(folder)}.db`), {
    userDaily: limit(env.QUOTA_USER_DAILY),
    userMonthly: limit(env.QUOTA_USER_MONTHLY),
    workspaceDaily: limit(env.QUOTA_WORKSPACE_DAILY),
    workspaceMonthly: limit(env.QUOTA_WORKSPACE_MONTHLY),
  });
  const jobs = new LocalJobs({
    artifactDir: path.join(folder, 'artifacts'),
    ffmpegPath: ffmpegPath(),
    ...options,
  });
  return {
    store,
    jobs,
    deps: {
      store,
      quota: store,
      audit: store,
      queue: jobs,
      clock: systemClock,
      flow: {
        voteWindowMs: env.VOTE_WINDOW_SECONDS * 1000,
        regenerateCostsQuota: env.REGENERATE_COSTS_QUOTA,
      },
    },
    close: () => {
      jobs.stop();
      store.close();
    },
  };
}
