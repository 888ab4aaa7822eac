// A local stand-in for Slack's Web API, so the Bolt app runs against real HTTP without
// Slack's servers. The app's WebClient points here (`slackApiUrl`: <url>/api/). It records
// every call and answers the way Slack does for the methods the adapter uses:
//   auth.test, chat.postMessage / postEphemeral / update, reactions.add, users.info,
//   files.getUploadURLExternal → POST <url>/upload/<file id> (the bytes) →
//   files.completeUploadExternal (shares the files into a channel or thread; like Slack, the
//   answer does not yet list the share) → files.info (lists it, with the message ts).
// It also takes the slash commands' `response_url` posts at <url>/respond/<id>, and plays
// Slack's side of Socket Mode: apps.connections.open (app token) gives ws://<host>/socket,
// where the fake says hello, sends envelopes and collects the app's acknowledgements.
// Every text posted is held to Slack's markup rules (slack-markup.ts: markupViolations).
// On demand it refuses a method (Slack's `{ ok: false, error }`) or rate limits it (HTTP 429
// with a Retry-After header, as Slack does).
// More workspaces (`teams`) install the app through OAuth: oauth.v2.access trades a team's
// code for its bot token (checking the app's client id and secret); from then on that token
// acts in that team only (its channels, its bot user), until `uninstall`.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { slackMarkupProblems } from './slack-markup.js';

export interface FakeUser {
  id: string;
  name: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isBot?: boolean;
}

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  /** The workspace whose token made the call (none: no valid token). */
  team?: string;
  /** When it arrived (ms since epoch). */
  at: number;
}

/** A rate limit on a method: calls `when` matches (default all) get 429, `times` times. */
export interface RateLimit {
  /** Seconds, sent as the Retry-After header. */
  retryAfter: number;
  times?: number;
  when?: (args: Record<string, unknown>) => boolean;
}

/** A workspace: its id, the bot's token and user there, the channels the bot is in. */
export interface FakeTeam {
  teamId: string;
  token: string;
  botUserId: string;
  channels: string[];
}

/** A workspace that installs the app with OAuth: Slack sends the installer back with `code`. */
export interface FakeInstall extends FakeTeam {
  code: string;
  teamName: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text: string;
  threadTs?: string;
  /** Files shown in the message (an upload's share). */
  fileIds: string[];
  /** Ephemeral: only this user sees it. */
  visibleTo?: string;
  /** Texts it had before each chat.update, oldest first. */
  history: string[];
}

export interface FakeFile {
  id: string;
  filename: string;
  length: number;
  data?: Buffer;
  share?: { channel: string; ts: string; threadTs?: string };
}

export interface FakeReaction {
  channel: string;
  ts: string;
  name: string;
  user: string;
}

/** Reaction names the fake knows (Slack answers `invalid_name` for others). */
export const KNOWN_EMOJI = new Set([
  'one',
  'two',
  'three',
  'four',
  'arrows_counterclockwise',
  'white_check_mark',
  'repeat',
  'twisted_rightwards_arrows',
  'fast_forward',
  'thumbsup',
]);

type Answer = Record<string, unknown>;

export class FakeSlack {
  readonly calls: ApiCall[] = [];
  readonly messages: FakeMessage[] = [];
  readonly files = new Map<string, FakeFile>();
  readonly reactions: FakeReaction[] = [];
  /** Bodies posted to response URLs, by the URL's id. */
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  /** Methods answered with `missing_scope`, as if the app lacked their scope. */
  readonly missingScopes = new Set<string>();
  /** Methods answered `{ ok: false, error }` (Slack's error shape), `left` more times. */
  private readonly refusals = new Map<string, { error: string; left: number }>();
  private readonly rateLimits = new Map<string, RateLimit & { left: number }>();
  /** Texts whose markup Slack would not read as meant (see slack-markup.ts). */
  readonly markupViolations: { method: string; text: string; problems: string[] }[] = [];
  /** The calls answered with 429, in order. */
  readonly rateLimited: ApiCall[] = [];
  private readonly held = new Map<string, Promise<void>>();
  /** The connections of the calls being held now. */
  private readonly holding = new Set<Socket>();
  private server: Server | undefined;
  private sockets: WebSocketServer | undefined;
  private socket: WebSocket | undefined;
  private readonly acks = new Map<string, (ack: Record<string, unknown>) => void>();
  private counter = 0;

  constructor(
    readonly options: {
      token: string;
      teamId: string;
      botUserId: string;
      users: FakeUser[];
      /** Channels the bot is a member of (others answer `not_in_channel`). */
      channels: string[];
      /** App-level token accepted by apps.connections.open (Socket Mode). */
      appToken?: string;
      /** The OAuth app's credentials, checked by oauth.v2.access. */
      clientId?: string;
      clientSecret?: string;
      /** Workspaces that can install the app through OAuth. */
      installs?: FakeInstall[];
    },
  ) {}

  /** Workspaces whose OAuth install went through, by team id (their tokens work). */
  readonly installed = new Map<string, FakeInstall>();

  /** The app is removed from a workspace: its token stops working. */
  uninstall(teamId: string): void {
    this.installed.delete(teamId);
  }

  private teamOf(authorization: string | undefined): FakeTeam | undefined {
    const token = authorization?.replace(/^Bearer /, '');
    if (token === this.options.token) return this.options;
    return [...this.installed.values()].find((team) => team.token === token);
  }

  /**
   * Answers `method` with Slack's `{ ok: false, error }` (`times` times; undefined: stop);
   * `upload` refuses the bytes sent to an upload URL (HTTP 500) instead.
   */
  refuse(method: string, error: string | undefined, times = Infinity): void {
    if (error === undefined) this.refusals.delete(method);
    else this.refusals.set(method, { error, left: times });
  }

  /** Answers `method` with HTTP 429 and Retry-After (see RateLimit); undefined: stop. */
  rateLimit(method: string, limit: RateLimit | undefined): void {
    if (limit === undefined) this.rateLimits.delete(method);
    else this.rateLimits.set(method, { ...limit, left: limit.times ?? Infinity });
  }

  private rateLimitOf(call: ApiCall): RateLimit | undefined {
    const limit = this.rateLimits.get(call.method);
    if (!limit || (limit.when && !limit.when(call.args))) return undefined;
    if (--limit.left <= 0) this.rateLimits.delete(call.method);
    this.rateLimited.push(call);
    return limit;
  }

  private refusal(method: string): Answer | undefined {
    const refusal = this.refusals.get(method);
    if (!refusal) return undefined;
    if (--refusal.left <= 0) this.refusals.delete(method);
    return { ok: false, error: refusal.error };
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      this.route(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.sockets = new WebSocketServer({ server: this.server, path: '/socket' });
    this.sockets.on('connection', (socket) => this.onSocket(socket));
    return this;
  }

  private checkMarkup(method: string, text: string): void {
    const problems = slackMarkupProblems(text);
    if (problems.length > 0) this.markupViolations.push({ method, text, problems });
  }

  async stop(): Promise<void> {
    for (const client of this.sockets?.clients ?? []) client.terminate();
    await new Promise<void>((resolve) =>
      this.sockets ? this.sockets.close(() => resolve()) : resolve(),
    );
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server?.closeAllConnections();
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.url}/respond/${id}`;
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /**
   * Holds answers to `method` until the returned function is called; a held call whose caller
   * has gone by then is dropped unanswered (it never reached Slack).
   */
  hold(method: string): () => void {
    let release!: () => void;
    this.held.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.held.delete(method);
      release();
    };
  }

  /** How many held calls came from these local ports of their callers and are still open. */
  heldOpenFrom(ports: ReadonlySet<number>): number {
    return [...this.holding].filter(
      (socket) => !socket.destroyed && ports.has(socket.remotePort ?? -1),
    ).length;
  }

  /** Resolves once an app is connected over Socket Mode. */
  async socketConnected(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!this.socket) {
      if (Date.now() > deadline) throw new Error('no Socket Mode connection');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends an envelope over Socket Mode; resolves with the app's acknowledgement. */
  envelope(
    type: 'slash_commands' | 'events_api',
    payload: Record<string, unknown>,
    retryAttempt = 0,
  ): Promise<Record<string, unknown>> {
    const socket = this.socket;
    if (!socket) throw new Error('no Socket Mode connection');
    const envelopeId = randomUUID();
    const acked = new Promise<Record<string, unknown>>((resolve) =>
      this.acks.set(envelopeId, resolve),
    );
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        payload,
        type,
        accepts_response_payload: type === 'slash_commands',
        ...(type === 'events_api'
          ? { retry_attempt: retryAttempt, retry_reason: retryAttempt > 0 ? 'timeout' : '' }
          : {}),
      }),
    );
    return acked;
  }

  private onSocket(socket: WebSocket): void {
    this.socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      const ack = this.acks.get(String(message.envelope_id));
      this.acks.delete(String(message.envelope_id));
      ack?.(message);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
        connection_info: { app_id: 'A0TEST' },
      }),
    );
  }

  private nextTs(): string {
    this.counter += 1;
    return `1764158400.${String(this.counter).padStart(6, '0')}`;
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', this.url);
    const [, area, name] = url.pathname.split('/');
    if (area === 'upload' && name) return this.receiveUpload(name, request, body, response);
    if (area === 'respond' && name) {
      const answer = JSON.parse(body.toString('utf8')) as Answer;
      this.responses.push({ id: name, body: answer });
      if (typeof answer.text === 'string') this.checkMarkup('response_url', answer.text);
      response.writeHead(200).end('ok');
      return;
    }
    if (area !== 'api' || !name) {
      response.writeHead(404).end();
      return;
    }
    const args = await parseArgs(request.headers['content-type'] ?? '', body);
    const team = this.teamOf(request.headers.authorization);
    const call = { method: name, args, at: Date.now(), ...(team ? { team: team.teamId } : {}) };
    this.calls.push(call);
    const hold = this.held.get(name);
    if (hold) {
      this.holding.add(request.socket);
      await hold;
      this.holding.delete(request.socket);
    }
    // A held call is still in the network: if its caller died meanwhile (a process killed),
    // it never reaches Slack.
    if (request.socket.destroyed) return;
    const limit = this.rateLimitOf(call);
    if (limit) {
      response.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(limit.retryAfter),
      });
      response.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (name === 'oauth.v2.access') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(this.oauthAccess(args)));
      return;
    }
    const authorized =
      name === 'apps.connections.open'
        ? request.headers.authorization === `Bearer ${this.options.appToken}`
        : team !== undefined;
    const answer = !authorized
      ? { ok: false, error: 'invalid_auth' }
      : this.missingScopes.has(name)
        ? { ok: false, error: 'missing_scope' }
        : (this.refusal(name) ?? this.answer(name, args, team ?? this.options));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer));
  }

  /** Slack's OAuth v2 token exchange: the app's credentials and a team's one-time code. */
  private oauthAccess(args: Record<string, unknown>): Answer {
    const { clientId, clientSecret } = this.options;
    if (!clientId || args.client_id !== clientId || args.client_secret !== clientSecret) {
      return { ok: false, error: 'invalid_client_id' };
    }
    const install = this.options.installs?.find((candidate) => candidate.code === args.code);
    if (!install || this.installed.has(install.teamId)) return { ok: false, error: 'invalid_code' };
    this.installed.set(install.teamId, install);
    return {
      ok: true,
      app_id: 'A0TEST',
      authed_user: { id: 'U0INSTALLER' },
      scope: 'commands,chat:write,reactions:read,reactions:write,files:write,files:read,users:read',
      token_type: 'bot',
      access_token: install.token,
      bot_user_id: install.botUserId,
      team: { id: install.teamId, name: install.teamName },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  private answer(method: string, args: Record<string, unknown>, team: FakeTeam): Answer {
    const text = (key: string) => (typeof args[key] === 'string' ? (args[key] as string) : '');
    for (const key of ['text', 'initial_comment']) this.checkMarkup(method, text(key));
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://test.slack.com/',
          team: 'Test',
          user: 'firstframe',
          team_id: team.teamId,
          user_id: team.botUserId,
          bot_id: 'B0BOT',
        };
      case 'apps.connections.open':
        return { ok: true, url: `${this.url.replace(/^http/, 'ws')}/socket` };
      case 'chat.postMessage':
      case 'chat.postEphemeral': {
        const channel = text('channel');
        if (!team.channels.includes(channel)) return { ok: false, error: 'not_in_channel' };
        if (!text('text')) return { ok: false, error: 'no_text' };
        const message = this.addMessage(channel, text('text'), text('thread_ts'), []);
        if (method === 'chat.postEphemeral') {
          message.visibleTo = text('user');
          return { ok: true, message_ts: message.ts };
        }
        return { ok: true, channel, ts: message.ts, message: { text: message.text } };
      }
      case 'chat.update': {
        const message = this.findMessage(text('channel'), text('ts'));
        if (!message || message.visibleTo) return { ok: false, error: 'message_not_found' };
        message.history.push(message.text);
        message.text = text('text');
        return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
      }
      case 'reactions.add': {
        const message = this.findMessage(text('channel'), text('timestamp'));
        if (!message) return { ok: false, error: 'message_not_found' };
        if (!KNOWN_EMOJI.has(text('name'))) return { ok: false, error: 'invalid_name' };
        const reaction = { channel: message.channel, ts: message.ts, name: text('name') };
        const user = team.botUserId;
        if (this.reactions.some((r) => sameReaction(r, { ...reaction, user }))) {
          return { ok: false, error: 'already_reacted' };
        }
        this.reactions.push({ ...reaction, user });
        return { ok: true };
      }
      case 'users.info': {
        const user = this.options.users.find((u) => u.id === text('user'));
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: user.id,
            team_id: team.teamId,
            name: user.name,
            real_name: `${user.name} (real name)`,
            is_admin: user.isAdmin === true,
            is_owner: user.isOwner === true,
            is_primary_owner: false,
            is_bot: user.isBot === true,
            profile: { display_name: user.name, real_name: `${user.name} (real name)` },
          },
        };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(args.length);
        if (!text('filename') || !Number.isInteger(length) || length <= 0) {
          return { ok: false, error: 'invalid_arguments' };
        }
        const id = `F${String(this.files.size + 1).padStart(6, '0')}`;
        this.files.set(id, { id, filename: text('filename'), length });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal':
        return this.completeUpload(args, team);
      case 'files.info': {
        const file = this.files.get(text('file'));
        if (!file) return { ok: false, error: 'file_not_found' };
        return { ok: true, file: this.describeFile(file, true) };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private completeUpload(args: Record<string, unknown>, team: FakeTeam): Answer {
    const list = args.files as { id: string; title?: string }[] | undefined;
    const files = (Array.isArray(list) ? list : []).map(({ id }) => this.files.get(id));
    if (files.length === 0 || files.some((file) => !file?.data)) {
      return { ok: false, error: 'file_not_found' };
    }
    const uploaded = files as FakeFile[];
    const channel = typeof args.channel_id === 'string' ? args.channel_id : undefined;
    if (channel) {
      if (!team.channels.includes(channel)) return { ok: false, error: 'not_in_channel' };
      const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
      const comment = typeof args.initial_comment === 'string' ? args.initial_comment : '';
      const message = this.addMessage(
        channel,
        comment,
        threadTs,
        uploaded.map((file) => file.id),
      );
      for (const file of uploaded) {
        file.share = { channel, ts: message.ts, ...(threadTs ? { threadTs } : {}) };
      }
    }
    // Slack shares asynchronously: the completion does not list the share yet.
    return { ok: true, files: uploaded.map((file) => this.describeFile(file, false)) };
  }

  private describeFile(file: FakeFile, withShares: boolean): Answer {
    const share = withShares ? file.share : undefined;
    return {
      id: file.id,
      name: file.filename,
      title: file.filename,
      size: file.length,
      shares: share
        ? {
            public: {
              [share.channel]: [
                { ts: share.ts, ...(share.threadTs ? { thread_ts: share.threadTs } : {}) },
              ],
            },
          }
        : {},
    };
  }

  private receiveUpload(
    id: string,
    request: IncomingMessage,
    body: Buffer,
    response: ServerResponse,
  ): Promise<void> {
    const file = this.files.get(id);
    if (!file || request.method !== 'POST') {
      response.writeHead(404).end();
      return Promise.resolve();
    }
    const refusal = this.refusal('upload');
    if (refusal) {
      response.writeHead(500).end(String(refusal.error));
      return Promise.resolve();
    }
    return fileBytes(request.headers['content-type'] ?? '', body).then((data) => {
      if (data.length !== file.length) {
        response.writeHead(400).end(`expected ${file.length} bytes, got ${data.length}`);
        return;
      }
      file.data = data;
      response.writeHead(200).end(`OK - ${data.length}`);
    });
  }

  private addMessage(
    channel: string,
    text: string,
    threadTs: string | undefined,
    fileIds: string[],
  ): FakeMessage {
    const message: FakeMessage = {
      channel,
      ts: this.nextTs(),
      text,
      fileIds,
      history: [],
      ...(threadTs ? { threadTs } : {}),
    };
    this.messages.push(message);
    return message;
  }

  private findMessage(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }
}

function sameReaction(a: FakeReaction, b: FakeReaction): boolean {
  return a.channel === b.channel && a.ts === b.ts && a.name === b.name && a.user === b.user;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Web API arguments: form-encoded (objects as JSON strings, as the WebClient sends them) or JSON. */
async function parseArgs(contentType: string, body: Buffer): Promise<Record<string, unknown>> {
  if (contentType.startsWith('application/json')) {
    return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  }
  const fields = new URLSearchParams(body.toString('utf8'));
  const args: Record<string, unknown> = {};
  for (const [key, value] of fields) {
    args[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return args;
}

/** The uploaded bytes: raw, or the first file of a multipart form (what the WebClient sends). */
async function fileBytes(contentType: string, body: Buffer): Promise<Buffer> {
  if (!contentType.startsWith('multipart/form-data')) return body;
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.alloc(0);
}
