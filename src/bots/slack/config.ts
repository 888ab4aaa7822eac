// Which way the app talks to Slack, from the settings: Socket Mode when an app-level token is
// given (or SLACK_MODE=socket), else HTTP with the signing secret. Problems are reported all at
// once, naming the variables to set.
import type { Env } from '../../config/schema.js';
import type { SlackConnection } from './slack-adapter.js';

export type SlackSettings = Pick<
  Env,
  | 'SLACK_BOT_TOKEN'
  | 'SLACK_SIGNING_SECRET'
  | 'SLACK_APP_TOKEN'
  | 'SLACK_MODE'
  | 'SLACK_PORT'
  | 'SLACK_ADMINS'
  | 'SLACK_API_URL'
  | 'HTTP_HOST'
>;

export type SlackSetup =
  | {
      ok: true;
      botToken: string;
      connection: SlackConnection;
      admins: string[];
      apiUrl?: string;
    }
  | { ok: false; problems: string[] };

export function slackSetupFrom(env: SlackSettings): SlackSetup {
  const problems: string[] = [];
  if (!env.SLACK_BOT_TOKEN) {
    problems.push('set SLACK_BOT_TOKEN to the bot token (xoxb-…, "OAuth & Permissions")');
  } else if (!env.SLACK_BOT_TOKEN.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN must be a bot token starting with "xoxb-"');
  }
  const mode = env.SLACK_MODE ?? (env.SLACK_APP_TOKEN ? 'socket' : 'http');
  let connection: SlackConnection | undefined;
  if (mode === 'socket') {
    if (!env.SLACK_APP_TOKEN) {
      problems.push(
        'Socket Mode needs SLACK_APP_TOKEN, an app-level token (xapp-…) with connections:write',
      );
    } else if (!env.SLACK_APP_TOKEN.startsWith('xapp-')) {
      problems.push('SLACK_APP_TOKEN must be an app-level token starting with "xapp-"');
    } else {
      connection = { mode: 'socket', appToken: env.SLACK_APP_TOKEN };
    }
  } else if (!env.SLACK_SIGNING_SECRET) {
    problems.push(
      'HTTP mode needs SLACK_SIGNING_SECRET ("Basic Information"); or set SLACK_APP_TOKEN for Socket Mode',
    );
  } else {
    connection = {
      mode: 'http',
      signingSecret: env.SLACK_SIGNING_SECRET,
      port: env.SLACK_PORT,
      host: env.HTTP_HOST,
    };
  }
  if (problems.length > 0 || !connection || !env.SLACK_BOT_TOKEN) return { ok: false, problems };
  return {
    ok: true,
    botToken: env.SLACK_BOT_TOKEN,
    connection,
    admins: env.SLACK_ADMINS,
    ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
  };
}
