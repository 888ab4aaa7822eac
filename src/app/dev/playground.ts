// `npm run playground`: the whole product in one process without Redis, Prisma or the ONNX
// models: the web playground, the bot service, a SQLite demo store under DATA_DIR and the
// in-process job runner (stand-in pictures, real MP4/GIF). The real all-in-one (`npm start`)
// wires the same BotService to the Prisma store, BullMQ and the engine instead.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runProcess } from '../../bin/run-process.js';
import { WebChatAdapter } from '../../bots/web/web-adapter.js';
import { startWebServer } from '../../bots/web/server.js';
import { BotService } from '../bot-service.js';
import { systemClock } from '../clock.js';
import { ffmpegPath } from './ffmpeg-path.js';
import { LocalJobs } from './local-jobs.js';
import { SqliteStore } from './sqlite-store.js';

await runProcess('firstframe-playground', async ({ config, log, onShutdown }) => {
  const env = config.env;
  const folder = path.join(config.dataDir, 'playground');
  mkdirSync(folder, { recursive: true });
  // The demo store counts 0 as unlimited; the configuration says 'unlimited'.
  const limit = (value: number | 'unlimited') => (value === 'unlimited' ? 0 : value);
  const store = new SqliteStore(path.join(folder, 'playground.db'), {
    userDaily: limit(env.QUOTA_USER_DAILY),
    userMonthly: limit(env.QUOTA_USER_MONTHLY),
    workspaceDaily: limit(env.QUOTA_WORKSPACE_DAILY),
    workspaceMonthly: limit(env.QUOTA_WORKSPACE_MONTHLY),
  });
  onShutdown(() => store.close());
  const jobs = new LocalJobs({
    artifactDir: path.join(folder, 'artifacts'),
    ffmpegPath: ffmpegPath(),
    stepDelayMs: 150,
  });
  onShutdown(() => jobs.stop());
  const adapter = new WebChatAdapter({ admins: env.PLAYGROUND_ADMINS });
  const bot = new BotService({
    store,
    quota: store,
    audit: store,
    queue: jobs,
    clock: systemClock,
    adapters: [adapter],
    log,
    flow: {
      voteWindowMs: env.VOTE_WINDOW_SECONDS * 1000,
      regenerateCostsQuota: env.REGENERATE_COSTS_QUOTA,
    },
  });
  await bot.start();
  onShutdown(() => bot.stop());
  const web = await startWebServer({ host: env.HTTP_HOST, port: env.HTTP_PORT, log, adapter });
  onShutdown(() => web.close());
  console.log(
    `\n  firstframe playground: open ${web.url}\n  admins: ${env.PLAYGROUND_ADMINS.join(', ')}\n`,
  );
});
