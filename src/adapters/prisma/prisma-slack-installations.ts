// Bolt's InstallationStore on Prisma, for Slack in many workspaces (OAuth installs): one row
// per team (or Enterprise Grid organisation), the installation sealed (sealed-text.ts).
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Db } from '../../db/client.js';
import type { SealedText } from './sealed-text.js';

export class PrismaSlackInstallations implements InstallationStore {
  constructor(
    private readonly db: Db,
    private readonly sealer: SealedText,
  ) {}

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(
    installation: Installation<AuthVersion, boolean>,
  ): Promise<void> {
    const org = installation.isEnterpriseInstall === true;
    const id = org ? installation.enterprise?.id : installation.team?.id;
    if (!id) throw new Error('a Slack installation without its team or enterprise id');
    const fields = {
      teamId: installation.team?.id ?? null,
      enterpriseId: installation.enterprise?.id ?? null,
      isEnterpriseInstall: org,
      sealed: this.sealer.seal(JSON.stringify(installation)),
    };
    await this.db.slackInstallation.upsert({
      where: { id },
      create: { id, ...fields },
      update: fields,
    });
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2'>> {
    const row = await this.db.slackInstallation.findUnique({ where: { id: idOf(query) } });
    if (!row) throw new Error(`no Slack installation for ${idOf(query)}`);
    return JSON.parse(this.sealer.open(row.sealed)) as Installation<'v1' | 'v2'>;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.db.slackInstallation.deleteMany({ where: { id: idOf(query) } });
  }
}

function idOf(query: InstallationQuery<boolean>): string {
  const id = query.isEnterpriseInstall ? query.enterpriseId : query.teamId;
  if (!id) throw new Error('a Slack installation query without its team or enterprise id');
  return id;
}
