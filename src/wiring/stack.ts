// The product, assembled: the Prisma stores, BullMQ (producer, events and optionally a worker
// running the ONNX engine), the bot service with its chat adapters, and the web playground.
// `npm start` runs all of it in one process; tests run the same function with their own
// database, Redis prefix and model. Everything it starts, `close()` stops, in reverse order.
import path from 'node:path';
import { BotService } from '../service/bot-service.js';
import { systemClock } from '../service/clock.js';
import { BullmqJobQueue } from '../adapters/bullmq/bullmq-job-queue.js';
import { PrismaFlowStore } from '../adapters/prisma/prisma-flow-store.js';
import { PrismaQuotaStore } from '../adapters/prisma/prisma-quota.js';
import { PrismaChannelSettings } from '../adapters/prisma/prisma-settings.js';
import { PrismaSubjects } from '../adapters/prisma/prisma-subjects.js';
import type { FlowStore } from '../service/ports.js';
import type { ChatAdapter } from '../bots/chat-adapter.js';
import { WebChatAdapter } from '../bots/web/web-adapter.js';
import { bearerOf, PlaygroundAccess, sameText } from '../bots/web/access.js';
import { startWebServer, type WebServer } from '../bots/web/server.js';
import type { Config } from '../config/index.js';
import type { RequestLimits } from '../core/contract.js';
import type { FlowConfig } from '../core/flow/index.js';
import { quotaDefaults } from '../core/quota.js';
import { openDatabase, type Db } from '../db/index.js';
import type { Logger } from '../log.js';
import { JobEvents } from '../queue/events.js';
import { createQueueHttpHandler } from '../queue/http.js';
import { JobProducer } from '../queue/producer.js';
import { RedisPostLeases } from '../queue/post-leases.js';
import { TimerQueue } from '../queue/timer-queue.js';
import type { ArtifactStore } from '../artifacts/index.js';
import { bindPlatformStores, platformNotices } from './chat-platforms.js';
import { modelRequestLimits } from './model.js';
import { artifactStoreOf, startEngineWorker } from './engine-worker.js';

export interface StackOptions {
  config: Config;
  log: Logger;
  redisUrl: string;
  /** The model folder the worker loads and whose words `/video` accepts. */
  modelDir: string;
  /** Run a queue worker in this process (`npm start`); false when workers run elsewhere. */
  worker: boolean;
  /** Chat platforms besides the web playground (Discord, Slack), already configured. */
  extraAdapters?: ChatAdapter[];
  /** Serve the web playground, the queue dashboard and metrics (default true). */
  web?: boolean;
  /** Overrides for tests: flow timing, `/video` limits, queue retries. */
  flow?: Partial<FlowConfig>;
  limits?: Partial<RequestLimits>;
  attempts?: number;
  backoffMs?: number;
}

export interface Stack {
  db: Db;
  /** Where the flow keeps each generation's state (what a restart resumes from). */
  store: FlowStore;
  bot: BotService;
  webAdapter: WebChatAdapter;
  artifacts: ArtifactStore;
  /** Present when `web` is on. */
  web?: WebServer;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { config, log } = options;
  const env = config.env;
  const stops: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        log.error({ err: error }, 'error while stopping');
      }
    }
    stops.length = 0;
  };
  try {
    // 1. Database (migrations applied first) and the stores on it.
    const db = await openDatabase(config.database, log);
    stops.push(() => db.$disconnect());
    const subjects = new PrismaSubjects(db);
    const store = new PrismaFlowStore(db, subjects);
    const quota = new PrismaQuotaStore(db, subjects, quotaDefaults(env));
    const settings = new PrismaChannelSettings(db, subjects);
    bindPlatformStores(options.extraAdapters ?? [], db);
    const artifacts = await artifactStoreOf(config);
    const connection = { url: options.redisUrl };
    // What the model accepts, so a request the bot takes never fails in the worker.
    const limits = { ...modelRequestLimits(options.modelDir), ...options.limits };
    const prefix = env.QUEUE_PREFIX;

    // 2. The worker with the real engine (its own thread), when this process runs one.
    if (options.worker) {
      const worker = await startEngineWorker({ ...options, db, quota, artifacts });
      stops.push(() => worker.close());
    }

    // 3. The bot's side of the queue.
    const producer = new JobProducer({
      connection,
      prefix,
      ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
      ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
      limits,
    });
    stops.push(() => producer.close());
    const events = new JobEvents({ connection, prefix });
    stops.push(() => events.close());
    await events.ready();
    const queue = new BullmqJobQueue(producer, events, artifacts);
    // Vote deadlines as delayed jobs: each fires once among all bot processes, after restarts
    // too. Closed after the bot (which stops taking them first).
    const timers = new TimerQueue({ connection, prefix, log });
    stops.push(() => timers.close());
    // A grid or video is posted by one process, also while another resumes its generation.
    const leases = new RedisPostLeases({ connection, prefix, log });
    stops.push(() => leases.close());

    // 4. The bot service on every chat adapter; uploads land among the artifacts.
    const webAdapter = new WebChatAdapter({
      admins: env.PLAYGROUND_ADMINS,
      uploadDir: path.join(artifacts.localRoot, 'uploads'),
      limits,
    });
    const bot = new BotService({
      store,
      quota,
      audit: quota,
      settings,
      queue,
      clock: systemClock,
      timers,
      leases,
      adapters: [webAdapter, ...(options.extraAdapters ?? [])],
      log,
      flow: {
        voteWindowMs: env.VOTE_WINDOW_SECONDS * 1000,
        regenerateCostsQuota: env.REGENERATE_COSTS_QUOTA,
        maxStoryClips: env.STORY_MAX_CLIPS,
        ...options.flow,
      },
      limits,
    });
    await bot.start(); // resumes open generations first
    stops.push(() => bot.stop());

    // 5. The playground.
    let web: WebServer | undefined;
    if (options.web !== false) {
      // A fresh access token, admin token and session secret for this process.
      const access = new PlaygroundAccess();
      const metricsToken = env.METRICS_TOKEN;
      web = await startWebServer({
        host: env.HTTP_HOST,
        port: env.HTTP_PORT,
        log,
        adapter: webAdapter,
        access,
        hosts: env.PLAYGROUND_HOSTS,
        notices: () => platformNotices(options.extraAdapters ?? []),
        // Read-only bull-board at /admin/queues and Prometheus text at /metrics, behind the
        // playground's token; Prometheus may send METRICS_TOKEN instead.
        extraRoutes: createQueueHttpHandler({
          producer,
          moreQueues: [timers.queue],
          authorize: (request, page) =>
            access.allows(request) ||
            (page === 'metrics' &&
              metricsToken !== undefined &&
              sameText(bearerOf(request) ?? '', metricsToken)),
        }),
      });
      const server = web;
      stops.push(() => server.close());
    }
    return { db, store, bot, webAdapter, artifacts, ...(web ? { web } : {}), close };
  } catch (error) {
    await close();
    throw error;
  }
}
