// The local web playground's HTTP server. For now a single status page; the playground
// (chat-like page, votes, videos) is built on top of this.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../log.js';

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>firstframe</title></head>
<body><h1>firstframe</h1><p>The playground is running. Video generation arrives soon.</p></body>
</html>`;

export async function startWebServer(options: {
  host: string;
  port: number;
  log: Logger;
}): Promise<WebServer> {
  const server = createServer((request, response) => {
    if (request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true }));
      return;
    }
    if (request.url === '/' || request.url === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(PAGE);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/`;
  options.log.info({ url }, 'web playground listening');
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
