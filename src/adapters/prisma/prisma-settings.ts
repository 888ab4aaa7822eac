// The ChannelSettingsStore port on Prisma: one ChannelSettings row per workspace and channel,
// a null column being the deployment's default. The bot service audits each change in the
// quota store's AuditEntry table (AuditLog), as it does quota changes.
import {
  type ChannelSettings,
  SETTING_FIELDS,
  type SettingsChange,
} from '../../core/commands/settings.js';
import type { Db } from '../../db/index.js';
import type { ChannelRef, ChannelSettingsStore } from '../../service/ports.js';
import type { PrismaSubjects } from './prisma-subjects.js';

const FIELDS = Object.values(SETTING_FIELDS);

type Row = { [K in keyof ChannelSettings]-?: ChannelSettings[K] | null };

/** The row's set values (nulls left out). */
function settingsOf(row: Partial<Row> | null): ChannelSettings {
  const settings: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = row?.[field];
    if (value !== null && value !== undefined) settings[field] = value;
  }
  return settings as ChannelSettings;
}

/** The columns `change` writes: the values set, or null for the settings reset. */
function changedColumns(change: SettingsChange): Partial<Row> {
  if (change.action === 'set') return { ...change.values };
  const fields = change.names.length === 0 ? FIELDS : change.names.map((n) => SETTING_FIELDS[n]);
  return Object.fromEntries(fields.map((field) => [field, null]));
}

export class PrismaChannelSettings implements ChannelSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly subjects: PrismaSubjects,
  ) {}

  async get(channel: ChannelRef): Promise<ChannelSettings> {
    const workspaceId = await this.subjects.workspaceId(channel.platform, channel.workspaceId);
    const row = await this.db.channelSettings.findUnique({
      where: { workspaceId_channelId: { workspaceId, channelId: channel.channelId } },
    });
    return settingsOf(row);
  }

  async change(
    channel: ChannelRef,
    change: SettingsChange,
  ): Promise<{ before: ChannelSettings; after: ChannelSettings }> {
    const workspaceId = await this.subjects.workspaceId(channel.platform, channel.workspaceId);
    const where = { workspaceId_channelId: { workspaceId, channelId: channel.channelId } };
    // Only the columns the change names are written, so two admins changing different
    // settings at once both keep their change.
    const columns = changedColumns(change);
    return this.db.$transaction(async (tx) => {
      const before = settingsOf(await tx.channelSettings.findUnique({ where }));
      const row = await tx.channelSettings.upsert({
        where,
        create: { workspaceId, channelId: channel.channelId, ...columns },
        update: columns,
      });
      return { before, after: settingsOf(row) };
    });
  }
}
