// Discord faked at the wire in front of the real product, added the way `npm start` adds it:
// `chatPlatformAdapters` builds the Discord adapter from DISCORD_TOKEN + DISCORD_APPLICATION_ID
// (pointed at the fake Discord) and `startStack` runs it beside the playground (the stack's
// database kind and settings are the given StackHarness's, plus Discord's).
import { chatPlatformAdapters } from '../../../src/wiring/chat-platforms.js';
import { silentLog } from '../../helpers/silent-log.js';
import { StackHarness, waitFor } from '../../wiring/stack-harness.js';
import { FakeDiscord, type FakeMessage } from './fake/fake-discord.js';

export class DiscordOnStack {
  fake!: FakeDiscord;
  harness!: StackHarness;

  async start(env: Record<string, string> = {}): Promise<this> {
    this.fake = await FakeDiscord.start();
    const settings = {
      DISCORD_TOKEN: this.fake.token,
      DISCORD_APPLICATION_ID: this.fake.world.applicationId,
      ...env,
    };
    this.harness = new StackHarness('sqlite', {}, settings).withPlatforms((config) =>
      chatPlatformAdapters(config, silentLog, { discordApi: this.fake.api }),
    );
    await this.harness.start();
    return this;
  }

  /** Waits for a message the bot posted whose content matches `pattern`. */
  message(pattern: RegExp, accept: (m: FakeMessage) => boolean = () => true): Promise<FakeMessage> {
    return waitFor(`a Discord message matching ${pattern}`, () =>
      this.fake.messages().find((m) => pattern.test(m.content) && accept(m)),
    );
  }

  async cleanup(): Promise<void> {
    await this.harness?.cleanup();
    await this.fake?.close();
  }
}
