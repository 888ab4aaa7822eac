// The Slack bot's public surface: the adapter and its setup from the settings
// (src/wiring/chat-platforms.ts builds it for `npm start` and `npm run slack`).
import { SlackChatAdapter, type SlackAdapterOptions } from './slack-adapter.js';

export { slackSetupFrom, type SlackSettings, type SlackSetup } from './config.js';
export { LateInstallationStore } from './late-installation-store.js';
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
