// Slack faked at the wire in front of the real product: the Slack adapter joins the
// playground's BotService in `startStack` (the given StackHarness: its database kind, settings
// and queue worker), so a test drives Slack and reads the product's database.
import type { SlackChatAdapter } from '../../../src/bots/slack/index.js';
import type { FlowStore } from '../../../src/service/ports.js';
import type { StackHarness } from '../../wiring/stack-harness.js';
import { SlackDriver } from './slack-harness.js';

export class SlackOnStack extends SlackDriver {
  /** While restarting, stopping keeps the database, queue prefix and files. */
  private restarting = false;

  constructor(readonly product: StackHarness) {
    super();
  }

  /** A new bot process on the same database, queue prefix, files and Slack. */
  override async restart(): Promise<void> {
    this.restarting = true;
    try {
      await super.restart();
    } finally {
      this.restarting = false;
    }
  }

  protected async startBot(adapter: SlackChatAdapter): Promise<void> {
    await this.product.withPlatforms(() => [adapter]).start();
  }

  protected stopBot(): Promise<void> {
    return this.restarting ? this.product.stack.close() : this.product.cleanup();
  }

  protected get flowStore(): FlowStore {
    return this.product.stack.store;
  }
}
