// `npm run discord`: the Discord bot on its own. Until the Prisma store and the BullMQ queue
// are wired here, it runs on the playground's parts (SQLite file store under DATA_DIR, the
// in-process job runner); swap `store`/`queue` for the product's implementations.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../app/clock.js';
import { ffmpegPath } from '../app/dev/ffmpeg-path.js';
import { LocalJobs } from '../app/dev/local-jobs.js';
import { SqliteStore } from '../app/dev/sqlite-store.js';
import { ffmpegShrinker, startDiscordBot } from '../bots/discord/index.js';
import { runProcess, StartupError } from './run-process.js';

await runProcess('discord', async ({ config, log, onShutdown }) => {
  const env = config.env;
  const { DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: applicationId } = env;
  if (!token || !applicationId) {
    const missing = [!token && 'DISCORD_TOKEN', !applicationId && 'DISCORD_APPLICATION_ID'];
    throw new StartupError(
      `Discord is not configured: set ${missing.filter(Boolean).join(' and ')} (from the Discord developer portal; see docs/discord.md).`,
    );
  }
  const folder = path.join(config.dataDir, 'discord');
  mkdirSync(folder, { recursive: true });
  const store = new SqliteStore(path.join(folder, 'discord.db'), {
    userDaily: env.QUOTA_USER_DAILY,
    userMonthly: env.QUOTA_USER_MONTHLY,
    workspaceDaily: env.QUOTA_WORKSPACE_DAILY,
    workspaceMonthly: env.QUOTA_WORKSPACE_MONTHLY,
  });
  onShutdown(() => store.close());
  const queue = new LocalJobs({
    artifactDir: path.join(folder, 'artifacts'),
    ffmpegPath: ffmpegPath(),
  });
  onShutdown(() => queue.stop());
  const bot = await startDiscordBot(
    {
      token,
      applicationId,
      log,
      uploadDir: path.join(folder, 'uploads'),
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      shrinkVideo: ffmpegShrinker(ffmpegPath()),
    },
    {
      store,
      quota: store,
      audit: store,
      queue,
      clock: systemClock,
      log,
      flow: {
        voteWindowMs: env.VOTE_WINDOW_SECONDS * 1000,
        regenerateCostsQuota: env.REGENERATE_COSTS_QUOTA,
      },
    },
  );
  onShutdown(() => bot.stop());
});
