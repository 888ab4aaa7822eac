// The playground's parts in one folder: the product's Prisma stores on a SQLite file there
// (migrated when opened, as `npm start` does) and, instead of BullMQ and the engine, the
// in-process job runner (stand-in pictures, real MP4/GIF). The tests' chat harnesses run the
// bot service on these same parts.
import path from 'node:path';
import type { DatabaseTarget } from '../config/index.js';
import type { Limits } from '../core/quota.js';
import { type Db, openDatabase } from '../db/index.js';
import type { Logger } from '../log.js';
import { PrismaFlowStore } from '../adapters/prisma/prisma-flow-store.js';
import { PrismaQuotaStore } from '../adapters/prisma/prisma-quota.js';
import { PrismaChannelSettings } from '../adapters/prisma/prisma-settings.js';
import { PrismaSubjects } from '../adapters/prisma/prisma-subjects.js';
import type { BotServiceDeps } from '../service/bot-service.js';
import { FFMPEG_PATH } from '../engine/video.js';
import { LocalJobs, type LocalJobsOptions } from './local-jobs.js';

export interface DemoParts {
  db: Db;
  store: PrismaFlowStore;
  /** The quota store, which keeps the audit log too. */
  quota: PrismaQuotaStore;
  jobs: LocalJobs;
  /** What the bot service needs from these parts. */
  deps: Pick<BotServiceDeps, 'store' | 'quota' | 'audit' | 'settings' | 'queue'>;
  close(): Promise<void>;
}

/** The SQLite database of the parts in `folder`. */
export function demoDatabase(folder: string): Extract<DatabaseTarget, { kind: 'sqlite' }> {
  const file = path.join(folder, 'demo.db');
  return { kind: 'sqlite', url: `file:${file}`, file };
}

export async function openDemoParts(options: {
  folder: string;
  /** Quota limits when no admin has set any. */
  limits: Limits;
  log: Logger;
  jobs?: Partial<LocalJobsOptions>;
}): Promise<DemoParts> {
  const db = await openDatabase(demoDatabase(options.folder), options.log);
  const subjects = new PrismaSubjects(db);
  const store = new PrismaFlowStore(db, subjects);
  const quota = new PrismaQuotaStore(db, subjects, options.limits);
  const jobs = new LocalJobs({
    artifactDir: path.join(options.folder, 'artifacts'),
    ffmpegPath: FFMPEG_PATH,
    ...options.jobs,
  });
  return {
    db,
    store,
    quota,
    jobs,
    deps: {
      store,
      quota,
      audit: quota,
      settings: new PrismaChannelSettings(db, subjects),
      queue: jobs,
    },
    close: async () => {
      jobs.stop();
      await db.$disconnect();
    },
  };
}
