// The web playground's HTTP server (node:http, no framework). Every route but /healthz needs
// the access token (access.ts); the user is the one of the browser's signed session.
//   GET  /?token=T | /?admin=A   the chat page; the token (or admin token) becomes a cookie
//   GET  /api/session            {name, admin} of this browser's session, and `notices`: lines
//                                the page shows at its top (a chat platform that is not running)
//   POST /api/session            {name}: acts as that name from now on (a new session)
//   GET  /events                 Server-Sent Events: `snapshot` (every message this user may
//                                see), then `message`; a message with `visibleTo` goes to that
//                                user only (a command, its answer, a note)
//   POST /api/command            {text, image?}: a line typed in the channel (a command is
//                                private to its user until the bot accepts it: /video)
//   POST /api/reaction           {messageId, emoji}: toggles the user's reaction
//   GET  /files/<id>/<name>      an attachment the bot posted (PNG, MP4 with Range, GIF)
//   GET  /healthz
//   GET  /favicon.svg, /favicon.ico   the page's icon (a small SVG; no token needed)
// Changes (POST) must be JSON from this server's own origin; bodies are capped in size, and only
// a few are read at once (the others get 503 straight away).
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from '../../log.js';
import { ACCESS_COOKIE, cookie, PlaygroundAccess, SESSION_COOKIE, type Session } from './access.js';
import { WebChatAdapter, WebInputError, type WebMessage, type WebUpload } from './web-adapter.js';

export interface WebServer {
  /** The server's address, without any token. */
  url: string;
  /** The address to open: carries the access token. */
  openUrl: string;
  /** Opens the page as an admin (the second token). */
  adminUrl: string;
  access: PlaygroundAccess;
  close(): Promise<void>;
}

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
/** A film frame on the page's accent colour. */
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  '<rect width="32" height="32" rx="7" fill="#5865f2"/>' +
  '<rect x="7" y="9" width="18" height="14" rx="2" fill="#fff"/>' +
  '<path d="M14 12.5v7l6-3.5z" fill="#5865f2"/></svg>';
const MAX_BODY_BYTES = 16 * 1024;
/** A command may carry an image (base64): room for the core's 5 MiB limit and a bit more. */
const MAX_COMMAND_BYTES = 8 * 1024 * 1024;
/** Request bodies read at the same time; more get 503 at once (memory stays bounded). */
const MAX_BODIES_AT_ONCE = 4;
/** Of which this many may be over LARGE_BODY_BYTES (an image costs ~4x its size to decode). */
const MAX_LARGE_BODIES_AT_ONCE = 2;
const LARGE_BODY_BYTES = 1024 * 1024;
/** Names claimed in this process (each by one browser); more are refused. */
const MAX_NAMES = 10_000;
const HEARTBEAT_MS = 15_000;
const NO_TOKEN =
  'This playground needs its access token: open the URL that `npm start` printed ' +
  '(http://…/?token=…).\n';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
};

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `the request is larger than ${maxBytes} bytes`);
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge();
  // With a declared length the bytes go straight into one buffer (no second copy).
  const whole = declared === undefined ? undefined : Buffer.allocUnsafe(Number(declared));
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    if (size + chunk.length > (whole?.length ?? maxBytes)) throw tooLarge();
    if (whole) chunk.copy(whole, size);
    else chunks.push(chunk);
    size += chunk.length;
  }
  return whole ? whole.subarray(0, size) : Buffer.concat(chunks);
}

function parseJson(bytes: Buffer): Record<string, unknown> {
  try {
    const body: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof body === 'object' && body !== null && !Array.isArray(body))
      return body as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new WebInputError('the request body must be a JSON object');
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new WebInputError(`"${field}" must be a string`);
  return value;
}

/** `{name, type, data: base64}` from the page's file picker. */
function uploadOf(value: unknown): WebUpload | undefined {
  if (value === undefined || value === null) return undefined;
  const image = value as Record<string, unknown>;
  return {
    name: text(image.name, 'image.name'),
    contentType: text(image.type, 'image.type'),
    data: Buffer.from(text(image.data, 'image.data'), 'base64'),
  };
}

async function sendFile(
  request: IncomingMessage,
  response: ServerResponse,
  file: string,
): Promise<void> {
  const { size } = await stat(file);
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers = {
    'content-type': type,
    'accept-ranges': 'bytes',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  };
  // Browsers fetch videos in byte ranges.
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start > end || start >= size) {
      response.writeHead(416, { 'content-range': `bytes */${size}` });
      response.end();
      return;
    }
    response.writeHead(206, {
      ...headers,
      'content-range': `bytes ${start}-${end}/${size}`,
      'content-length': end - start + 1,
    });
    createReadStream(file, { start, end }).pipe(response);
    return;
  }
  response.writeHead(200, { ...headers, 'content-length': size });
  createReadStream(file).pipe(response);
}

function openEvents(
  adapter: WebChatAdapter,
  request: IncomingMessage,
  response: ServerResponse,
  user: string,
): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const send = (event: string, data: unknown) =>
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('snapshot', adapter.history(user));
  const unsubscribe = adapter.subscribe((message: WebMessage) => {
    if (!message.visibleTo || message.visibleTo === user) send('message', message);
  });
  const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
  request.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

/** `host:port` names a change request may come from (Origin) or be addressed to (Host). */
function allowedHostsOf(address: AddressInfo, extra: readonly string[]): Set<string> {
  const port = address.port;
  const names = ['localhost', '127.0.0.1', '[::1]'];
  if (address.address !== '0.0.0.0' && address.address !== '::') {
    names.push(address.family === 'IPv6' ? `[${address.address}]` : address.address);
  }
  return new Set([
    ...names.map((name) => `${name}:${port}`),
    ...extra.map((host) => host.toLowerCase()),
  ]);
}

export async function startWebServer(options: {
  host: string;
  port: number;
  log: Logger;
  /** The channel, wired to a BotService; without one the page works but nobody answers. */
  adapter?: WebChatAdapter;
  /** Tokens and session signing (default: fresh random ones for this process). */
  access?: PlaygroundAccess;
  /** More `host[:port]` names the server answers to (PLAYGROUND_HOSTS). */
  hosts?: readonly string[];
  /** More pages on the same server (the queue dashboard); answers true for the ones it served.
   * They are asked first and check access themselves (`access.allows`). */
  extraRoutes?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
  /** Lines for the top of the page, asked on each load (the start banner's "not running"). */
  notices?: () => readonly string[];
}): Promise<WebServer> {
  const { log } = options;
  const adapter = options.adapter ?? new WebChatAdapter({ admins: [] });
  const access = options.access ?? new PlaygroundAccess();
  /** Lower-case name → the browser that took it: nobody else may act under that name. */
  const claims = new Map<string, string>();
  let allowedHosts = new Set<string>();
  /** Requests whose body is being read or handled. */
  let busy = 0;
  let busyLarge = 0;

  /** A change must be JSON sent by a page of this server (or by a script on this machine). */
  function checkChange(request: IncomingMessage): void {
    const origin = request.headers.origin;
    let from = request.headers.host ?? '';
    if (origin !== undefined) {
      try {
        from = new URL(origin).host;
      } catch {
        from = '';
      }
    }
    if (!allowedHosts.has(from.toLowerCase())) {
      throw new HttpError(
        403,
        `requests from ${origin ?? `host ${from || '(none)'}`} are refused: changes come only ` +
          `from this server's own page (see PLAYGROUND_HOSTS)`,
      );
    }
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      throw new HttpError(415, 'send the request as application/json');
    }
  }

  /** Reads a JSON body; the slot it takes is held until the answer is sent, so the bodies
   * (and what is made of them) of at most MAX_BODIES_AT_ONCE requests are in memory. */
  async function readJson(request: IncomingMessage, response: ServerResponse, maxBytes: number) {
    const declared = Number(request.headers['content-length'] ?? maxBytes);
    const large = declared > LARGE_BODY_BYTES;
    if (busy >= MAX_BODIES_AT_ONCE || (large && busyLarge >= MAX_LARGE_BODIES_AT_ONCE)) {
      throw new HttpError(503, 'the playground is busy reading other requests; try again');
    }
    busy++;
    if (large) busyLarge++;
    response.once('close', () => {
      busy--;
      if (large) busyLarge--;
    });
    const body = parseJson(await readBody(request, maxBytes));
    if ('user' in body) {
      throw new HttpError(
        400,
        '"user" is not accepted: you act as the name of your session (POST /api/session)',
      );
    }
    return body;
  }

  function userOf(request: IncomingMessage): string {
    const name = access.sessionOf(request)?.name;
    if (!name) throw new HttpError(401, 'pick a name first (POST /api/session {"name": …})');
    return name;
  }

  function claim(name: string, session: Session): void {
    const key = name.toLowerCase();
    const holder = claims.get(key);
    if (holder === session.browser) return;
    if (holder !== undefined) {
      throw new HttpError(409, `"${name}" is taken by someone else here; pick another name`);
    }
    if (claims.size >= MAX_NAMES) throw new HttpError(503, 'no more names can be taken');
    claims.set(key, session.browser);
  }

  function setSession(response: ServerResponse, session: Session): void {
    if (session.admin && session.name) adapter.markAdmin(session.name);
    response.setHeader('set-cookie', [
      cookie(ACCESS_COOKIE, access.token),
      cookie(SESSION_COOKIE, access.sign(session)),
    ]);
  }

  /** The page: `?token=` or `?admin=` turn into cookies; without either, 401. */
  function servePage(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const admin = access.isAdminToken(url.searchParams.get('admin'));
    if (admin) {
      setSession(response, { ...(access.sessionOf(request) ?? access.newSession()), admin });
    } else if (access.isToken(url.searchParams.get('token'))) {
      response.setHeader('set-cookie', cookie(ACCESS_COOKIE, access.token));
    } else if (!access.allows(request)) {
      throw new HttpError(401, NO_TOKEN);
    }
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    response.end(PAGE);
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = `${request.method} ${url.pathname}`;
    const handle = async () => {
      if (await options.extraRoutes?.(request, response)) return;
      if (route === 'GET /healthz') {
        sendJson(response, 200, { ok: true });
        return;
      }
      if (route === 'GET /favicon.svg' || route === 'GET /favicon.ico') {
        response.writeHead(200, {
          'content-type': 'image/svg+xml',
          'cache-control': 'public, max-age=86400',
          'x-content-type-options': 'nosniff',
        });
        response.end(FAVICON);
        return;
      }
      if (route === 'GET /' || route === 'GET /index.html') {
        servePage(request, response, url);
        return;
      }
      if (!access.allows(request)) throw new HttpError(401, NO_TOKEN);
      if (request.method === 'POST') checkChange(request);
      if (url.searchParams.has('user')) {
        throw new HttpError(400, '"user" is not accepted: you act as the name of your session');
      }
      if (route === 'GET /api/session') {
        const session = access.sessionOf(request);
        sendJson(response, 200, {
          name: session?.name ?? null,
          admin: session?.admin ?? false,
          notices: options.notices?.() ?? [],
        });
      } else if (route === 'POST /api/session') {
        const body = await readJson(request, response, MAX_BODY_BYTES);
        const name = adapter.checkName(body.name);
        const session = { ...(access.sessionOf(request) ?? access.newSession()), name };
        claim(name, session);
        setSession(response, session);
        sendJson(response, 200, { name, admin: session.admin });
      } else if (route === 'GET /events') {
        openEvents(adapter, request, response, userOf(request));
      } else if (route === 'POST /api/command') {
        const user = userOf(request);
        const body = await readJson(request, response, MAX_COMMAND_BYTES);
        const message = await adapter.submit(user, text(body.text, 'text'), uploadOf(body.image));
        sendJson(response, 200, { ok: true, id: message.id });
      } else if (route === 'POST /api/reaction') {
        const user = userOf(request);
        const body = await readJson(request, response, MAX_BODY_BYTES);
        await adapter.toggleReaction(
          user,
          text(body.messageId, 'messageId'),
          text(body.emoji, 'emoji'),
        );
        sendJson(response, 200, { ok: true });
      } else if (request.method === 'GET' && url.pathname.startsWith('/files/')) {
        const file = adapter.filePath(url.pathname.split('/')[2] ?? '');
        if (file) await sendFile(request, response, file);
        else sendJson(response, 404, { error: 'no such file' });
      } else {
        sendJson(response, 404, { error: `nothing at ${route}` });
      }
    };
    handle().catch((error: unknown) => {
      if (response.headersSent) {
        if (!(error instanceof HttpError || error instanceof WebInputError)) {
          log.error({ err: error, route }, 'web request failed');
        }
        response.end();
        return;
      }
      if (!request.complete) {
        // A body within the cap refused only because others are being read is read and dropped
        // (no memory kept), so the page gets its "busy" answer instead of a cut connection;
        // any other body left unread is not: the connection closes after the answer.
        const declared = Number(request.headers['content-length'] ?? Infinity);
        const refusedAsBusy = error instanceof HttpError && error.status === 503;
        if (refusedAsBusy && declared <= MAX_COMMAND_BYTES) request.resume();
        else response.setHeader('connection', 'close');
      }
      if (error instanceof HttpError && error.status === 401 && !route.startsWith('POST')) {
        response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(error.message);
      } else if (error instanceof HttpError) {
        sendJson(response, error.status, { error: error.message });
      } else if (error instanceof WebInputError) {
        sendJson(response, 400, { error: error.message });
      } else {
        log.error({ err: error, route }, 'web request failed');
        sendJson(response, 500, { error: 'internal error' });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  allowedHosts = allowedHostsOf(address, options.hosts ?? []);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/`;
  log.info({ url }, 'web playground listening');
  return {
    url,
    openUrl: `${url}?token=${access.token}`,
    adminUrl: `${url}?admin=${access.adminToken}`,
    access,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
