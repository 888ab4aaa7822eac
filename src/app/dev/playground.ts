// `npm run playground`: the whole product in one process without Redis, Prisma or the ONNX
// models: the web playground, the bot service, a SQLite demo store under DATA_DIR and the
// in-process job runner (stand-in pictures, real MP4/GIF). The real all-in-one (`npm start`)
// wires the same BotService to the Prisma store, BullMQ and the engine instead.
import path from 'node:path';
import { runProcess } from '../../bin/run-process.js';
import { WebChatAdapter } from '../../bots/web/web-adapter.js';
import { startWebServer } from '../../bots/web/server.js';
import { BotService } from '../bot-service.js';
import { openDemoParts } from './demo-parts.js';

await runProcess('firstframe-playground', async ({ config, log, onShutdown }) => {
  const env = config.env;
  const parts = openDemoParts(path.join(config.dataDir, 'playground'), env, { stepDelayMs: 150 });
  onShutdown(() => parts.close());
  const adapter = new WebChatAdapter({ admins: env.PLAYGROUND_ADMINS });
  const bot = new BotService({ ...parts.deps, adapters: [adapter], log });
  await bot.start();
  onShutdown(() => bot.stop());
  const web = await startWebServer({ host: env.HTTP_HOST, port: env.HTTP_PORT, log, adapter });
  onShutdown(() => web.close());
  console.log(
    `\n  firstframe playground: open ${web.url}\n  admins: ${env.PLAYGROUND_ADMINS.join(', ')}\n`,
  );
});
