// The web playground's HTTP server (node:http, no framework):
//   GET  /                       the chat page (page.html)
//   GET  /events?user=NAME       Server-Sent Events: `snapshot` (all messages), then `message`
//   POST /api/command            {user, text}: a line typed in the channel
//   POST /api/reaction           {user, messageId, emoji}: toggles that user's reaction
//   GET  /files/<id>/<name>      an attachment the bot posted (PNG, MP4 with Range, GIF)
//   GET  /healthz
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from '../../log.js';
import { WebChatAdapter, WebInputError, type WebMessage, type WebUpload } from './web-adapter.js';

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

const PAGE = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
const MAX_BODY_BYTES = 16 * 1024;
/** A command may carry an image (base64): room for the core's 5 MiB limit and a bit more. */
const MAX_COMMAND_BYTES = 8 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

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

async function readJson(
  request: IncomingMessage,
  maxBytes = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new WebInputError(`the request is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
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
  const headers = { 'content-type': type, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' };
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

export async function startWebServer(options: {
  host: string;
  port: number;
  log: Logger;
  /** The channel, wired to a BotService; without one the page works but nobody answers. */
  adapter?: WebChatAdapter;
  /** More pages on the same server (the queue dashboard); answers true for the ones it served. */
  extraRoutes?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
}): Promise<WebServer> {
  const { log } = options;
  const adapter = options.adapter ?? new WebChatAdapter({ admins: [] });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = `${request.method} ${url.pathname}`;
    const handle = async () => {
      if (await options.extraRoutes?.(request, response)) return;
      if (route === 'GET /' || route === 'GET /index.html') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(PAGE);
      } else if (route === 'GET /healthz') {
        sendJson(response, 200, { ok: true });
      } else if (route === 'GET /events') {
        openEvents(adapter, request, response, adapter.checkName(url.searchParams.get('user')));
      } else if (route === 'POST /api/command') {
        const body = await readJson(request, MAX_COMMAND_BYTES);
        const message = await adapter.submit(
          text(body.user, 'user'),
          text(body.text, 'text'),
          uploadOf(body.image),
        );
        sendJson(response, 200, { ok: true, id: message.id });
      } else if (route === 'POST /api/reaction') {
        const body = await readJson(request);
        await adapter.toggleReaction(
          text(body.user, 'user'),
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
      if (error instanceof WebInputError) {
        sendJson(response, 400, { error: error.message });
        return;
      }
      log.error({ err: error, route }, 'web request failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/`;
  log.info({ url }, 'web playground listening');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
