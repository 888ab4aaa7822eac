// Requests as Slack sends them to an app: slash commands (form-encoded) and Events API
// callbacks (JSON), signed with the app's signing secret:
// X-Slack-Signature = v0=HMAC-SHA256(secret, "v0:<timestamp>:<raw body>").
import { createHmac } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  secret: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Replaces the computed signature (a forgery). */
  signature?: string;
  /** Marks an Events API redelivery. */
  retryNum?: number;
}

export function sendSigned(
  url: string,
  body: string,
  contentType: string,
  options: SendOptions,
): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(options.secret, timestamp, body),
      ...(options.retryNum === undefined
        ? {}
        : {
            'x-slack-retry-num': String(options.retryNum),
            'x-slack-retry-reason': 'http_timeout',
          }),
    },
    body,
  });
}

export interface CommandFields {
  command: string;
  text: string;
  userId: string;
  userName: string;
  channelId: string;
  teamId: string;
  responseUrl: string;
}

/** A slash command's body, with every field Slack sends. */
export function slashCommandBody(fields: CommandFields): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: fields.teamId,
    team_domain: 'test',
    channel_id: fields.channelId,
    channel_name: 'general',
    user_id: fields.userId,
    user_name: fields.userName,
    command: fields.command,
    text: fields.text,
    api_app_id: 'A0TEST',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: '1.2.3',
  }).toString();
}

export interface ReactionFields {
  eventId: string;
  added: boolean;
  userId: string;
  reaction: string;
  channelId: string;
  ts: string;
  teamId: string;
}

/** An Events API `event_callback` carrying reaction_added / reaction_removed. */
export function reactionEventBody(fields: ReactionFields): string {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: fields.teamId,
    api_app_id: 'A0TEST',
    event: {
      type: fields.added ? 'reaction_added' : 'reaction_removed',
      user: fields.userId,
      reaction: fields.reaction,
      item: { type: 'message', channel: fields.channelId, ts: fields.ts },
      item_user: 'U0BOT',
      event_ts: `${now}.000100`,
    },
    type: 'event_callback',
    event_id: fields.eventId,
    event_time: now,
    authorizations: [
      { team_id: fields.teamId, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  });
}
