// One bot service for bench/flow.ts: the product's BotService on the Prisma stores of one
// database, taking reactions through its flow runner's compare-and-set path and counting the
// saves it lost to another service (redone). Run in the bench's own process, or as a process
// of its own (bench/flow-process.ts), which is what a deployment's bot processes are.
import { PrismaFlowStore } from '../src/adapters/prisma/prisma-flow-store.js';
import { PrismaQuotaStore } from '../src/adapters/prisma/prisma-quota.js';
import { PrismaChannelSettings } from '../src/adapters/prisma/prisma-settings.js';
import { PrismaSubjects } from '../src/adapters/prisma/prisma-subjects.js';
import { WebChatAdapter } from '../src/bots/web/web-adapter.js';
import { DEFAULT_FLOW_CONFIG } from '../src/core/flow/index.js';
import type { Db } from '../src/db/index.js';
import { LocalJobs } from '../src/dev/local-jobs.js';
import { BotService } from '../src/service/bot-service.js';
import { systemClock } from '../src/service/clock.js';
import { silentLog } from '../test/helpers/silent-log.js';

export const BENCH_FLOW_CONFIG = { ...DEFAULT_FLOW_CONFIG, voteWindowMs: 3_600_000 };
const LIMITS = { user: { daily: null, monthly: null }, workspace: { daily: null, monthly: null } };

/** A vote as the bench sends it: voter v's frame under a generation's grid. */
export interface BenchVote {
  generationId: string;
  messageId: string;
  voter: number;
}

/** What the bench drives: a bot service here, or one in another process. */
export interface FlowRunnerHandle {
  /** Resolves once the vote is saved (or found saved by another service). */
  vote(vote: BenchVote): Promise<void>;
  /** Saves lost to another service since the last call, then counts from zero. */
  takeLost(): Promise<number>;
  stop(): Promise<void>;
}

export async function localRunner(db: Db): Promise<FlowRunnerHandle> {
  const subjects = new PrismaSubjects(db);
  const store = new PrismaFlowStore(db, subjects);
  const quota = new PrismaQuotaStore(db, subjects, LIMITS);
  const service = new BotService({
    store,
    quota,
    audit: quota,
    settings: new PrismaChannelSettings(db, subjects),
    queue: new LocalJobs({ artifactDir: '/nonexistent', ffmpegPath: 'ffmpeg' }),
    clock: systemClock,
    adapters: [new WebChatAdapter({ admins: [] })],
    log: silentLog,
    flow: BENCH_FLOW_CONFIG,
  });
  let lost = 0;
  const save = store.saveGeneration.bind(store);
  store.saveGeneration = async (state, version) => {
    const won = await save(state, version);
    if (!won) lost += 1;
    return won;
  };
  await service.runner.start();
  return {
    vote: ({ generationId, messageId, voter }) =>
      service.runner.dispatch(generationId, {
        type: 'reaction',
        messageId,
        user: { id: `voter-${voter}`, name: `voter-${voter}` },
        fromBot: false,
        emoji: ['1️⃣', '2️⃣', '3️⃣', '4️⃣'][voter % 4]!,
        added: true,
      }),
    takeLost: async () => {
      const count = lost;
      lost = 0;
      return count;
    },
    stop: () => service.runner.stop(),
  };
}
