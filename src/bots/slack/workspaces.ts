// The Web API clients of each Slack workspace the app is in. One workspace: the bot token's.
// Many (OAuth installs): each workspace's own token, from its installation through Bolt's
// `authorize`, kept until the app is uninstalled there. Slack's rate limits are per workspace,
// so each workspace has its own clients and its own pause of progress edits.
import { webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';
import { SlackUserDirectory } from './users.js';

export interface SlackWorkspace {
  /** The app's calls: pauses (and retries) on a 429. */
  client: webApi.WebClient;
  /** Progress edits only: rejects a rate-limited call instead of pausing. */
  progress: webApi.WebClient;
  /** No progress edit is sent before this time (ms since epoch): Slack's last Retry-After. */
  progressQuietUntil: number;
  users: SlackUserDirectory;
  /** The bot's own user id there (its reactions are never votes). */
  botUserId: string | undefined;
}

/** Builds the two clients of a workspace for a bot token. */
export type ClientFactory = (token: string | undefined) => {
  client: webApi.WebClient;
  progress: webApi.WebClient;
};

/** A workspace's bot token and user, from its installation (Bolt's authorize). */
export type Authorize = (
  teamId: string,
) => Promise<{ botToken?: string | undefined; botUserId?: string | undefined }>;

export class SlackWorkspaces {
  private readonly byTeam = new Map<string, Promise<SlackWorkspace>>();
  private readonly only: SlackWorkspace | undefined;
  private readonly authorize: Authorize | undefined;

  /** One workspace (`token`), or many, each authorized on first use (`authorize`). */
  constructor(
    private readonly clients: ClientFactory,
    private readonly log: Logger,
    source: { token: string; client: webApi.WebClient } | { authorize: Authorize },
  ) {
    if ('token' in source) {
      this.only = this.workspace(source.client, this.clients(source.token).progress);
    } else {
      this.authorize = source.authorize;
    }
  }

  /** Each workspace has its own channel ids: with many, a channel's address names its team. */
  get many(): boolean {
    return this.only === undefined;
  }

  /** How the flow names a channel: the channel id, or `<team>/<channel>` with many workspaces. */
  address(teamId: string, channel: string): string {
    return this.many ? `${teamId}/${channel}` : channel;
  }

  /** The workspace and Slack's channel id of an address. */
  async target(address: string): Promise<{ workspace: SlackWorkspace; channel: string }> {
    if (!this.many) return { workspace: this.only!, channel: address };
    const slash = address.indexOf('/');
    if (slash < 0) throw new Error(`a Slack channel address without its team: ${address}`);
    return {
      workspace: await this.of(address.slice(0, slash)),
      channel: address.slice(slash + 1),
    };
  }

  /** The workspace of a team (throws when the app is not installed there). */
  of(teamId: string): Promise<SlackWorkspace> {
    if (this.only) return Promise.resolve(this.only);
    let workspace = this.byTeam.get(teamId);
    if (!workspace) {
      workspace = this.install(teamId);
      this.byTeam.set(teamId, workspace);
      workspace.catch(() => this.byTeam.delete(teamId));
    }
    return workspace;
  }

  /** With one workspace: records the bot's user id (from auth.test at start). */
  set botUserId(id: string | undefined) {
    if (this.only) this.only.botUserId = id;
  }

  /** The app was uninstalled, or its tokens revoked: forget the workspace's clients. */
  forget(teamId: string): void {
    this.byTeam.delete(teamId);
  }

  private async install(teamId: string): Promise<SlackWorkspace> {
    const { botToken, botUserId } = await this.authorize!(teamId);
    if (!botToken) throw new Error(`no bot token for Slack workspace ${teamId}`);
    const { client, progress } = this.clients(botToken);
    const workspace = this.workspace(client, progress);
    workspace.botUserId = botUserId;
    return workspace;
  }

  private workspace(client: webApi.WebClient, progress: webApi.WebClient): SlackWorkspace {
    return {
      client,
      progress,
      progressQuietUntil: 0,
      users: new SlackUserDirectory(client, this.log),
      botUserId: undefined,
    };
  }
}
