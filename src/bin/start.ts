// `npm start`: everything on one machine — Redis (a private one if none answers), the
// embedded database (migrated at start-up), a queue worker with the ONNX engine, the bot
// service, the web playground, and Discord/Slack when their tokens are set.
import { redactUrl } from '../config/index.js';
import { ensureRedis } from '../queue/redis.js';
import { chatPlatformAdapters, describePlatforms } from '../wiring/chat-platforms.js';
import { resolveModelDir } from '../wiring/model.js';
import { startStack } from '../wiring/stack.js';
import { runProcess } from './run-process.js';

await runProcess('firstframe', async ({ config, log, onShutdown }) => {
  const modelDir = resolveModelDir(config, log);
  // Before Redis and the database: a half-configured platform stops start-up at once.
  const platforms = chatPlatformAdapters(config, log);
  const redis = await ensureRedis({ url: config.env.REDIS_URL, dataDir: config.dataDir, log });
  onShutdown(() => redis.stop());

  const stack = await startStack({
    config,
    log,
    redisUrl: redis.url,
    modelDir,
    worker: true,
    extraAdapters: platforms,
  });
  onShutdown(() => stack.close());
  const admins = config.env.PLAYGROUND_ADMINS.join(', ') || 'none configured';
  console.log(
    `\n  firstframe is running: open ${stack.web?.openUrl}\n` +
      `  as an admin: ${stack.web?.adminUrl}\n` +
      '  (keep both links private: they are the keys to this playground)\n' +
      `  model: ${modelDir}\n  admins (PLAYGROUND_ADMINS): ${admins}\n` +
      `  redis: ${redactUrl(redis.url)}\n` +
      `  chat platforms: ${describePlatforms(platforms)}\n` +
      '  (Ctrl+C stops it)\n',
  );
});
