// `npm run playground`: the bot in one process without Redis or the ONNX models: the web
// playground and the bot service on the product's Prisma stores (a SQLite file under
// DATA_DIR/playground), with the in-process job runner (stand-in pictures, real MP4/GIF).
// The real all-in-one (`npm start`) wires the same BotService to BullMQ and the engine instead.
import path from 'node:path';
import { runProcess } from './run-process.js';
import { WebChatAdapter } from '../bots/web/web-adapter.js';
import { startWebServer } from '../bots/web/server.js';
import { quotaDefaults } from '../core/quota.js';
import { BotService } from '../service/bot-service.js';
import { systemClock } from '../service/clock.js';
import { openDemoParts } from '../dev/demo-parts.js';

await runProcess('firstframe-playground', async ({ config, log, onShutdown }) => {
  const env = config.env;
  const parts = await openDemoParts({
    folder: path.join(config.dataDir, 'playground'),
    limits: quotaDefaults(env),
    log,
    jobs: { stepDelayMs: 150 },
  });
  onShutdown(() => parts.close());
  const adapter = new WebChatAdapter({ admins: env.PLAYGROUND_ADMINS });
  const bot = new BotService({
    ...parts.deps,
    clock: systemClock,
    adapters: [adapter],
    log,
    flow: {
      voteWindowMs: env.VOTE_WINDOW_SECONDS * 1000,
      regenerateCostsQuota: env.REGENERATE_COSTS_QUOTA,
      maxStoryClips: env.STORY_MAX_CLIPS,
    },
  });
  await bot.start();
  onShutdown(() => bot.stop());
  const web = await startWebServer({
    host: env.HTTP_HOST,
    port: env.HTTP_PORT,
    log,
    adapter,
    hosts: env.PLAYGROUND_HOSTS,
  });
  onShutdown(() => web.close());
  console.log(
    `\n  firstframe playground: open ${web.openUrl}\n  as an admin: ${web.adminUrl}\n` +
      `  admins (PLAYGROUND_ADMINS): ${env.PLAYGROUND_ADMINS.join(', ') || 'none configured'}\n`,
  );
});
