// HTTP pages about the queues, for the all-in-one process to mount when enabled: the bull-board
// dashboard under `dashboardPath` and Prometheus metrics at `metricsPath`. The handler answers
// the requests it owns and returns false for the others, so it fits any node:http server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { JobProducer } from './producer.js';

export interface QueueHttpOptions {
  producer: JobProducer;
  /** More queues for the dashboard beside the job queues (the flow's deadlines). */
  moreQueues?: Queue[];
  dashboardPath?: string;
  metricsPath?: string;
  /** Dashboard without retry/remove/clean buttons. Default true: mount it writable only
   * behind an admin check. */
  readOnly?: boolean;
  /** Who may see these pages; a refused request gets 401 (default: everyone, for tests). */
  authorize?: (request: IncomingMessage, page: 'metrics' | 'dashboard') => boolean;
}

function refuse(response: ServerResponse): true {
  response.writeHead(401, {
    'content-type': 'text/plain; charset=utf-8',
    'www-authenticate': 'Bearer',
  });
  response.end(
    'This page needs the playground token (open the URL `npm start` printed), ' +
      'or for /metrics the METRICS_TOKEN as a Bearer token.\n',
  );
  return true;
}

export type QueueHttpHandler = (
  request: IncomingMessage,
  response: ServerResponse,
) => Promise<boolean>;

export function createQueueHttpHandler(options: QueueHttpOptions): QueueHttpHandler {
  const dashboardPath = options.dashboardPath ?? '/admin/queues';
  const metricsPath = options.metricsPath ?? '/metrics';
  const queues: Queue[] = [
    ...Object.values(options.producer.queues),
    ...(options.moreQueues ?? []),
  ];

  const board = new ExpressAdapter();
  board.setBasePath(dashboardPath);
  createBullBoard({
    queues: queues.map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly ?? true }),
    ),
    serverAdapter: board,
  });
  const dashboard = board.getRouter() as (req: IncomingMessage, res: ServerResponse) => void;

  return async (request, response) => {
    const url = request.url ?? '/';
    const pathname = url.split('?')[0]!;
    if (pathname === metricsPath) {
      if (options.authorize && !options.authorize(request, 'metrics')) return refuse(response);
      try {
        const text = await options.producer.metricsText();
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        response.end(text);
      } catch (error) {
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`queue metrics unavailable: ${(error as Error).message}\n`);
      }
      return true;
    }
    if (pathname === dashboardPath || pathname.startsWith(`${dashboardPath}/`)) {
      if (options.authorize && !options.authorize(request, 'dashboard')) return refuse(response);
      // The dashboard is an express app that expects paths relative to where it is mounted.
      request.url = url.slice(dashboardPath.length) || '/';
      dashboard(request, response);
      return true;
    }
    return false;
  };
}
