// Which way the app talks to Slack, from the settings: Socket Mode when an app-level token is
// given (or SLACK_MODE=socket), else HTTP with the signing secret; one workspace with its bot
// token, or many through OAuth installs (SLACK_CLIENT_ID, HTTP mode). Problems are reported all
// at once, naming the variables to set.
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
  | 'SLACK_CLIENT_ID'
  | 'SLACK_CLIENT_SECRET'
  | 'SLACK_STATE_SECRET'
  | 'SLACK_TOKEN_KEY'
  | 'HTTP_HOST'
>;

/** Installs in many workspaces: the OAuth app's credentials and the key that seals tokens. */
export interface SlackOAuth {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  tokenKey: string;
}

/** SLACK_TOKEN_KEY's shortest length: 32 characters of random text carry 128+ bits. */
const TOKEN_KEY_MIN_LENGTH = 32;

export type SlackSetup =
  | {
      ok: true;
      /** One workspace: its bot token. Many: undefined, each installation has its own. */
      botToken?: string;
      oauth?: SlackOAuth;
      connection: SlackConnection;
      admins: string[];
      apiUrl?: string;
    }
  | { ok: false; problems: string[] };

export function slackSetupFrom(env: SlackSettings): SlackSetup {
  const problems: string[] = [];
  const oauth = env.SLACK_CLIENT_ID ? oauthFrom(env, problems) : undefined;
  if (env.SLACK_CLIENT_ID) {
    if (env.SLACK_BOT_TOKEN) {
      problems.push(
        'set SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and its secrets for installs in many workspaces, not both',
      );
    }
  } else if (!env.SLACK_BOT_TOKEN) {
    problems.push('set SLACK_BOT_TOKEN to the bot token (xoxb-…, "OAuth & Permissions")');
  } else if (!env.SLACK_BOT_TOKEN.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN must be a bot token starting with "xoxb-"');
  }
  const mode = env.SLACK_MODE ?? (env.SLACK_APP_TOKEN && !env.SLACK_CLIENT_ID ? 'socket' : 'http');
  let connection: SlackConnection | undefined;
  if (mode === 'socket' && env.SLACK_CLIENT_ID) {
    problems.push(
      'installs in many workspaces (SLACK_CLIENT_ID) need HTTP mode: Slack sends people to /slack/install and /slack/oauth_redirect on a public URL (unset SLACK_MODE=socket)',
    );
  } else if (mode === 'socket') {
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
  if (problems.length > 0 || !connection || !(env.SLACK_BOT_TOKEN || oauth)) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    ...(oauth ? { oauth } : { botToken: env.SLACK_BOT_TOKEN }),
    connection,
    admins: env.SLACK_ADMINS,
    ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
  };
}

function oauthFrom(env: SlackSettings, problems: string[]): SlackOAuth | undefined {
  const { SLACK_CLIENT_ID: clientId, SLACK_CLIENT_SECRET: clientSecret } = env;
  const { SLACK_STATE_SECRET: stateSecret, SLACK_TOKEN_KEY: tokenKey } = env;
  if (!clientSecret) {
    problems.push(
      'SLACK_CLIENT_ID needs SLACK_CLIENT_SECRET ("Basic Information" → App Credentials)',
    );
  }
  if (!stateSecret) {
    problems.push(
      'SLACK_CLIENT_ID needs SLACK_STATE_SECRET: any long random text (it signs the install state)',
    );
  }
  if (!tokenKey || tokenKey.length < TOKEN_KEY_MIN_LENGTH) {
    problems.push(
      `SLACK_CLIENT_ID needs SLACK_TOKEN_KEY: at least ${TOKEN_KEY_MIN_LENGTH} characters of random text, which seal the workspaces' tokens in the database (e.g. openssl rand -base64 32)`,
    );
  }
  if (!clientId || !clientSecret || !stateSecret || !tokenKey) return undefined;
  if (tokenKey.length < TOKEN_KEY_MIN_LENGTH) return undefined;
  return { clientId, clientSecret, stateSecret, tokenKey };
}
