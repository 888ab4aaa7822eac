// A local Discord REST API (v10): the routes the bot uses, answered from the World the way
// Discord answers them, including what matters for the adapter: interaction tokens that
// expire (404 Unknown Webhook), the reaction route's rate limit (1 per 250 ms, with Discord's
// X-RateLimit headers; a request that ignores it gets a real 429) and 429s injected by tests;
// the bot's permissions in the channel (50001 Missing Access, 50013 Missing Permissions on the
// channel routes: interaction responses need none), the upload limit of each path (40005) and
// the first follow-up after a defer taking over the "thinking…" with the defer's visibility.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermissionFlagsBits } from 'discord.js';
import {
  invalidFormBody,
  requestProblems,
  responseProblems,
  type ContractProblem,
} from './contract.js';
import type { FakeFile, FakeInteraction, FakeMessage, World } from './world.js';

export interface RecordedRequest {
  method: string;
  path: string;
  at: number;
  status: number;
  body?: unknown;
  /** For a 429: how long the client was told to wait. */
  retryAfterMs?: number;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request body Discord would refuse, or an answer of the fake that breaks Discord's contract. */
export interface ContractViolation {
  side: 'request' | 'response';
  method: string;
  path: string;
  problems: ContractProblem[];
}

export interface RestEvents {
  reaction(message: FakeMessage, userId: string, emoji: string, added: boolean): void;
}

const REACTION_INTERVAL_MS = 250;
const EPHEMERAL = 64;
/** Interaction response type APPLICATION_COMMAND_AUTOCOMPLETE_RESULT. */
const AUTOCOMPLETE_RESULT = 8;
/** Discord forgets an interaction not answered within 3 s. */
const INTERACTION_ANSWER_MS = 3_000;
const LOADING = 128;

export class FakeRest {
  readonly requests: RecordedRequest[] = [];
  /** Checked against Discord's published API spec (contract.ts); the harness fails on any. */
  readonly contractViolations: ContractViolation[] = [];
  /** Requests that broke the reaction rate limit Discord announced (answered 429). */
  rateLimitViolations = 0;
  /** Files served at /files/<name> (attachments of commands, like Discord's CDN). */
  readonly cdn = new Map<string, Buffer>();
  /** How long the CDN takes to serve a file (a slow download keeps the bot busy). */
  cdnDelayMs = 0;
  private readonly injected: { match: (method: string, path: string) => boolean; reply: Reply }[] =
    [];
  private uploadRefusal: { reply: Reply; left: number } | undefined;
  private reactionsFreeAt = 0;
  private readonly server: Server;

  private constructor(
    private readonly world: World,
    private readonly token: string,
    private readonly events: RestEvents,
  ) {
    this.server = createServer((request, response) => void this.serve(request, response));
  }

  static async start(world: World, token: string, events: RestEvents): Promise<FakeRest> {
    const rest = new FakeRest(world, token, events);
    rest.server.listen(0, '127.0.0.1');
    await once(rest.server, 'listening');
    return rest;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** What discord.js' `rest.api` option takes. */
  get api(): string {
    return `${this.origin}/api`;
  }

  /**
   * Every request that uploads files gets this answer (a Discord error, see `discordError`)
   * until called again with undefined; `times` limits it to that many requests.
   */
  refuseUploads(reply: Reply | undefined, times = Infinity): void {
    this.uploadRefusal = reply && { reply, left: times };
  }

  /** The next request matching gets this answer instead (e.g. a 429). */
  injectOnce(match: (method: string, path: string) => boolean, reply: Reply): void {
    this.injected.push({ match, reply });
  }

  calls(method: string, pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    const method = request.method ?? 'GET';
    if (url.pathname.startsWith('/files/')) {
      const data = this.cdn.get(decodeURIComponent(url.pathname.slice('/files/'.length)));
      if (this.cdnDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.cdnDelayMs));
      response.writeHead(data ? 200 : 404).end(data);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let reply: Reply;
    let body: unknown;
    try {
      const parsed = await parseBody(request.headers['content-type'], Buffer.concat(chunks));
      body = parsed;
      reply = this.checked(method, url, request.headers.authorization, parsed);
    } catch (error) {
      reply = { status: 500, body: { message: String(error), code: 0 } };
    }
    const path = url.pathname.replace(/^\/api\/v10/, '');
    const retryAfter = reply.headers?.['retry-after'];
    this.requests.push({
      method,
      path,
      at: Date.now(),
      status: reply.status,
      body,
      ...(retryAfter ? { retryAfterMs: Number(retryAfter) * 1000 } : {}),
    });
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== undefined) headers['content-type'] = 'application/json';
    response.writeHead(reply.status, headers);
    response.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  /** The route's answer, with the request and a message answer held to Discord's spec. */
  private checked(method: string, url: URL, auth: string | undefined, body: ParsedBody): Reply {
    const path = url.pathname.replace(/^\/api\/v10/, '');
    const problems = requestProblems(method, path, body.json);
    if (problems.length > 0) {
      this.contractViolations.push({ side: 'request', method, path, problems });
      return invalidFormBody(problems);
    }
    const reply = this.route(method, url, auth, body);
    if (reply.status === 200) {
      const wrong = responseProblems(method, path, reply.body);
      if (wrong.length > 0) {
        this.contractViolations.push({ side: 'response', method, path, problems: wrong });
      }
    }
    return reply;
  }

  private route(method: string, url: URL, auth: string | undefined, body: ParsedBody): Reply {
    const path = url.pathname.replace(/^\/api\/v10/, '');
    const injected = this.injected.findIndex((entry) => entry.match(method, path));
    if (injected >= 0) return this.injected.splice(injected, 1)[0]!.reply;
    if (this.uploadRefusal && body.files.length > 0) {
      const refusal = this.uploadRefusal;
      if (--refusal.left <= 0) this.uploadRefusal = undefined;
      return refusal.reply;
    }
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [first] = parts;
    // Interaction callbacks and webhooks are authorised by the token in the URL.
    if (first === 'interactions') return this.interactionCallback(parts, body);
    if (first === 'webhooks') return this.webhook(method, parts, body);
    if (auth !== `Bot ${this.token}`)
      return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
    if (path === '/gateway/bot') {
      return {
        status: 200,
        body: {
          url: this.world.gatewayUrl(),
          shards: this.world.recommendedShards,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        },
      };
    }
    if (first === 'channels') return this.channel(method, parts, body);
    if (first === 'guilds') return this.guild(parts);
    if (first === 'applications' && method === 'PUT') {
      const commands = (body.json as { name: string }[]).map((command) => ({
        ...command,
        id: `${command.name}-id`,
        application_id: this.world.applicationId,
        version: '1',
      }));
      return { status: 200, body: commands };
    }
    return notFound(0);
  }

  private interactionCallback(parts: string[], body: ParsedBody): Reply {
    const [, id, token] = parts;
    const interaction = this.world.interactions.get(id as string);
    if (!interaction || interaction.token !== token) return notFound(10062, 'Unknown interaction');
    const tooLarge = this.overLimit(body, this.interactionUploadLimit(interaction));
    if (tooLarge) return tooLarge;
    if (interaction.responseType !== undefined) {
      return {
        status: 400,
        body: { message: 'Interaction has already been acknowledged.', code: 40060 },
      };
    }
    const { type, data } = body.json as {
      type: number;
      data?: { flags?: number; content?: string; choices?: FakeInteraction['choices'] };
    };
    const answeredAfterMs = Date.now() - interaction.dispatchedAt;
    if (interaction.autocomplete) {
      // Only choices answer an autocomplete, and only within Discord's 3 s.
      if (type !== AUTOCOMPLETE_RESULT || answeredAfterMs > INTERACTION_ANSWER_MS) {
        return notFound(10062, 'Unknown interaction');
      }
      interaction.responseType = type;
      interaction.answeredAfterMs = answeredAfterMs;
      interaction.choices = data?.choices ?? [];
      return { status: 204 };
    }
    if (type === AUTOCOMPLETE_RESULT) {
      return { status: 400, body: { message: 'Interaction is not autocomplete', code: 50035 } };
    }
    interaction.responseType = type;
    interaction.answeredAfterMs = answeredAfterMs;
    const ephemeral = ((data?.flags ?? 0) & EPHEMERAL) !== 0;
    const original = this.world.addMessage({
      content: data?.content ?? '',
      files: body.files,
      flags: (ephemeral ? EPHEMERAL : 0) | (type === 5 ? LOADING : 0),
      via: 'interaction',
      channelId: interaction.channelId,
    });
    interaction.originalMessageId = original.id;
    return {
      status: 200,
      body: {
        interaction: {
          id,
          type: 2,
          response_message_id: original.id,
          response_message_loading: type === 5,
          response_message_ephemeral: ephemeral,
        },
        resource: { type },
      },
    };
  }

  private webhook(method: string, parts: string[], body: ParsedBody): Reply {
    const [, applicationId, token, what, messageId] = parts;
    const interaction = [...this.world.interactions.values()].find((i) => i.token === token);
    if (applicationId !== this.world.applicationId || !interaction || interaction.expired) {
      return notFound(10015, 'Unknown Webhook');
    }
    if (body.files.length > 0) {
      const tooLarge = this.overLimit(body, this.interactionUploadLimit(interaction));
      if (tooLarge) return tooLarge;
    }
    if (what === undefined && method === 'POST') {
      const json = body.json as { content?: string; flags?: number; message_reference?: unknown };
      const original = this.world.messages.get(interaction.originalMessageId ?? '');
      if (original && !original.deleted && (original.flags & LOADING) !== 0) {
        // Discord: the first follow-up after a defer replaces the "thinking…", which keeps the
        // defer's visibility (the follow-up's own ephemeral flag is ignored).
        this.editMessage(original, body);
        return { status: 200, body: this.world.messagePayload(original) };
      }
      const message = this.world.addMessage({
        content: json.content ?? '',
        files: body.files,
        flags: json.flags ?? 0,
        via: 'followup',
        replyTo: interaction.originalMessageId,
        channelId: interaction.channelId,
      });
      return { status: 200, body: this.world.messagePayload(message) };
    }
    const id = messageId === '@original' ? interaction.originalMessageId : messageId;
    const message = id ? this.world.messages.get(id) : undefined;
    if (!message || message.deleted) return notFound(10008, 'Unknown Message');
    if (method === 'DELETE') {
      message.deleted = true;
      return { status: 204 };
    }
    if (method === 'PATCH') this.editMessage(message, body);
    return { status: 200, body: this.world.messagePayload(message) };
  }

  private channel(method: string, parts: string[], body: ParsedBody): Reply {
    const [, channelId, messages, messageId, reactions, emoji, userId] = parts;
    const server = this.world.server(channelId ?? '');
    if (!server || server.channelId !== channelId) return notFound(10003, 'Unknown Channel');
    const lacking = (...flags: bigint[]) =>
      flags.some((flag) => (this.world.botPermissions() & flag) === 0n);
    if (lacking(PermissionFlagsBits.ViewChannel)) return DISCORD_ERRORS.missingAccess;
    if (messages === undefined) return { status: 200, body: this.world.channelPayload(server) };
    if (messageId === undefined && method === 'POST') {
      const json = body.json as { content?: string; message_reference?: { message_id?: string } };
      if (
        lacking(PermissionFlagsBits.SendMessages) ||
        (body.files.length > 0 && lacking(PermissionFlagsBits.AttachFiles)) ||
        (json.message_reference && lacking(PermissionFlagsBits.ReadMessageHistory))
      ) {
        return DISCORD_ERRORS.missingPermissions;
      }
      const tooLarge = this.overLimit(body, this.world.uploadLimit());
      if (tooLarge) return tooLarge;
      const message = this.world.addMessage({
        content: json.content ?? '',
        files: body.files,
        flags: 0,
        via: 'channel',
        replyTo: json.message_reference?.message_id,
        channelId,
      });
      return { status: 200, body: this.world.messagePayload(message) };
    }
    const message = this.world.messages.get(messageId ?? '');
    const elsewhere = message?.channelId !== channelId;
    if (!message || elsewhere || message.deleted || (message.flags & EPHEMERAL) !== 0) {
      return notFound(10008, 'Unknown Message');
    }
    if (reactions === undefined) {
      if (method === 'GET' && lacking(PermissionFlagsBits.ReadMessageHistory)) {
        return DISCORD_ERRORS.missingAccess;
      }
      if (method === 'PATCH') this.editMessage(message, body);
      return { status: 200, body: this.world.messagePayload(message) };
    }
    if (method === 'PUT' && userId === '@me') {
      if (lacking(PermissionFlagsBits.ReadMessageHistory, PermissionFlagsBits.AddReactions)) {
        return DISCORD_ERRORS.missingPermissions;
      }
      return this.botReaction(message, emoji as string);
    }
    if (method === 'DELETE' && userId) {
      this.react(message, userId, emoji as string, false);
      return { status: 204 };
    }
    return notFound(0);
  }

  /** Discord allows one reaction per 250 ms per channel and says so in the headers. */
  private botReaction(message: FakeMessage, emoji: string): Reply {
    const now = Date.now();
    const headers = {
      'x-ratelimit-limit': '1',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': String(REACTION_INTERVAL_MS / 1000),
      'x-ratelimit-reset': String((now + REACTION_INTERVAL_MS) / 1000),
      'x-ratelimit-bucket': 'fake-reactions',
    };
    if (now < this.reactionsFreeAt) {
      this.rateLimitViolations += 1;
      const retryAfter = (this.reactionsFreeAt - now) / 1000;
      return {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
        headers: { ...headers, 'retry-after': String(retryAfter), 'x-ratelimit-scope': 'user' },
      };
    }
    this.reactionsFreeAt = now + REACTION_INTERVAL_MS;
    this.react(message, this.world.bot.id, emoji, true);
    return { status: 204, headers };
  }

  react(message: FakeMessage, userId: string, emoji: string, added: boolean): void {
    const users = message.reactions.get(emoji) ?? [];
    const had = users.includes(userId);
    if (added && !had) message.reactions.set(emoji, [...users, userId]);
    if (!added && had)
      message.reactions.set(
        emoji,
        users.filter((id) => id !== userId),
      );
    if (added !== had) this.events.reaction(message, userId, emoji, added);
  }

  private editMessage(message: FakeMessage, body: ParsedBody): void {
    const json = body.json as { content?: string };
    if (json.content !== undefined) {
      message.content = json.content;
      message.contents.push(json.content);
    }
    message.flags &= ~LOADING;
    if (body.files.length > 0) message.files = body.files;
  }

  /** Through an interaction: what Discord sent with it, else the server's. */
  private interactionUploadLimit(interaction: FakeInteraction): number {
    return interaction.attachmentSizeLimit ?? this.world.uploadLimit();
  }

  /** Discord's answer to a file over the limit. */
  private overLimit(body: ParsedBody, limit: number): Reply | undefined {
    return body.files.some((file) => file.size > limit) ? DISCORD_ERRORS.tooLarge : undefined;
  }

  private guild(parts: string[]): Reply {
    const [, guildId, members, userId] = parts;
    const server = this.world.server(guildId ?? '');
    if (!server || server.guildId !== guildId) return notFound(10004, 'Unknown Guild');
    if (members === undefined) return { status: 200, body: this.world.guildPayload(server) };
    const user = this.world.users.get(userId ?? '');
    return user
      ? { status: 200, body: this.world.memberPayload(user, server) }
      : notFound(10007, 'Unknown Member');
  }
}

/** Discord's answers when it refuses a message: 40005 too large, 50013/50001 permissions. */
export const DISCORD_ERRORS = {
  tooLarge: { status: 413, body: { message: 'Request entity too large', code: 40005 } },
  missingPermissions: { status: 403, body: { message: 'Missing Permissions', code: 50013 } },
  missingAccess: { status: 403, body: { message: 'Missing Access', code: 50001 } },
} satisfies Record<string, Reply>;

function notFound(code: number, message = 'Not Found'): Reply {
  return { status: 404, body: { message, code } };
}

interface ParsedBody {
  json: unknown;
  files: FakeFile[];
}

/** JSON, or multipart/form-data with `payload_json` and `files[n]` (how discord.js uploads). */
async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  if (!contentType || raw.length === 0) return { json: {}, files: [] };
  if (contentType.startsWith('application/json'))
    return { json: JSON.parse(raw.toString()), files: [] };
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  const files: FakeFile[] = [];
  let json: unknown = {};
  for (const [name, value] of form) {
    if (name === 'payload_json') json = JSON.parse(String(value));
    else if (typeof value !== 'string') {
      files.push({ filename: value.name, size: value.size, contentType: value.type });
    }
  }
  return { json, files };
}
