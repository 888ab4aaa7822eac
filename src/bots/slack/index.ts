// The Slack bot's public surface: the adapter, its setup from the settings, and a helper that
// runs the bot service with Slack as its chat platform.
import { BotService, type BotServiceDeps } from '../../app/bot-service.js';
import { SlackChatAdapter, type SlackAdapterOptions } from './slack-adapter.js';

export { slackSetupFrom, type SlackSettings, type SlackSetup } from './config.js';
export { emojiOfSlackName, slackNameOf } from './emoji.js';
export {
  SLACK_COMMANDS,
  SLACK_PLATFORM,
  SlackChatAdapter,
  type SlackAdapterOptions,
  type SlackConnection,
} from './slack-adapter.js';

export function createSlackAdapter(options: SlackAdapterOptions): SlackChatAdapter {
  return new SlackChatAdapter(options);
}

export interface SlackBot {
  adapter: SlackChatAdapter;
  service: BotService;
  stop(): Promise<void>;
}

/**
 * Runs the bot service with Slack (plus any other adapters given): resumes open generations,
 * then starts receiving commands and reactions.
 */
export async function startSlackBot(
  slack: SlackAdapterOptions,
  deps: BotServiceDeps,
): Promise<SlackBot> {
  const adapter = createSlackAdapter(slack);
  const service = new BotService({ ...deps, adapters: [...deps.adapters, adapter] });
  await service.start();
  return { adapter, service, stop: () => service.stop() };
}
