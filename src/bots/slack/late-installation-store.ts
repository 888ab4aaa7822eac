// Bolt takes its installation store when the app is built, but the database opens later (in
// startStack), which then hands the real store over with `bind`. Nothing reaches the store
// before that: the app starts taking requests only after the stack is up.
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';

export class LateInstallationStore implements InstallationStore {
  private store: InstallationStore | undefined;

  bind(store: InstallationStore): void {
    this.store = store;
  }

  private get ready(): InstallationStore {
    if (!this.store) throw new Error('Slack installations are not available yet (no database)');
    return this.store;
  }

  storeInstallation<AuthVersion extends 'v1' | 'v2'>(
    installation: Installation<AuthVersion, boolean>,
  ): Promise<void> {
    return this.ready.storeInstallation(installation);
  }

  fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2'>> {
    return this.ready.fetchInstallation(query);
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.ready.deleteInstallation?.(query);
  }
}
