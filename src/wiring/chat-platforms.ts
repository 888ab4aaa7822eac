// Chat platforms `npm start` runs next to the web playground, chosen by which tokens are set.
// HOOK for the Discord and Slack adapters (branches `discord`, `slack`): once merged, build
// them here, e.g. `createDiscordAdapter({ token, applicationId, log, uploadDir, ... })` from
// src/bots/discord, and return them; the stack hands them to the same BotService.
import type { ChatAdapter } from '../bots/chat-adapter.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';

export function chatPlatformAdapters(config: Config, log: Logger): ChatAdapter[] {
  const adapters: ChatAdapter[] = [];
  const env = config.env;
  if (env.DISCORD_TOKEN) {
    log.warn('DISCORD_TOKEN is set, but this build has no Discord adapter wired into npm start');
  }
  if (env.SLACK_BOT_TOKEN) {
    log.warn('SLACK_BOT_TOKEN is set, but this build has no Slack adapter wired into npm start');
  }
  return adapters;
}
