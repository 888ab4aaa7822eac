// What people see of the queue: place in line, Prometheus metrics and the bull-board dashboard
// served by a real HTTP server.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { createQueueHttpHandler } from '../../src/queue/http.js';
import { startWorker } from '../../src/queue/queue-worker.js';
import { silentLog } from '../helpers/silent-log.js';
import { createSetup, startTestEngine, waitFor } from './helpers.js';

const setup = createSetup({ attempts: 2, backoffMs: 20 });
const { producer } = setup;
let server: Server | undefined;
after(async () => {
  server?.close();
  await setup.cleanup();
});

const enqueue = (generationId: string, prompt = 'a white cross') =>
  producer.enqueueCandidates({ generationId, round: 1, seeds: [1, 2, 3, 4], prompt });

test('a waiting job knows its place in line', async () => {
  const ids = [];
  for (const generationId of ['line1', 'line2', 'line3'])
    ids.push((await enqueue(generationId)).jobId);
  const places = await Promise.all(ids.map((id) => producer.position('candidates', id)));
  assert.deepEqual(places, [
    { state: 'waiting', position: 1 },
    { state: 'waiting', position: 2 },
    { state: 'waiting', position: 3 },
  ]);
  assert.deepEqual(await producer.position('candidates', 'candidates-nosuch-r1'), {
    state: 'unknown',
  });
});

test('metrics count depth, durations and failures; the dashboard lists the queues', async () => {
  await enqueue('fail1', 'a badword circle');
  const worker = await startWorker({
    connection: { url: setup.redisUrl },
    prefix: setup.prefix,
    engine: await startTestEngine({ logDir: setup.logDir, stepMs: 5, steps: 3 }),
    store: setup.store,
    artifacts: setup.artifacts,
    log: silentLog,
  });
  await waitFor('all four jobs to finish', async () => {
    const counts = await producer.queues.candidates.getJobCounts('completed', 'failed');
    return counts.completed === 3 && counts.failed === 1 ? true : undefined;
  });
  await worker.close();

  const handler = createQueueHttpHandler({ producer });
  server = createServer((request, response) => {
    void handler(request, response).then((handled) => {
      if (!handled) response.writeHead(404).end('not ours');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await metrics.text();
  const sample = (line: string) =>
    assert.ok(text.includes(line), `metrics contain ${line}\n${text}`);
  sample('firstframe_queue_jobs{queue="candidates",state="completed"} 3');
  sample('firstframe_queue_jobs{queue="candidates",state="failed"} 1');
  sample('firstframe_queue_jobs{queue="animation",state="waiting"} 0');
  sample('firstframe_job_duration_seconds_count{queue="candidates"} 3');
  sample('firstframe_job_duration_seconds_bucket{queue="candidates",le="+Inf"} 3');
  sample('firstframe_job_failures_total{queue="candidates",outcome="input"} 1');
  sample('firstframe_job_failures_total{queue="candidates",outcome="exhausted"} 0');
  assert.equal(text.match(/# TYPE firstframe_queue_jobs /g)?.length, 1, 'one TYPE line per family');

  const page = await fetch(`${base}/admin/queues`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
  const api = await fetch(`${base}/admin/queues/api/queues`);
  assert.equal(api.status, 200);
  const { queues } = (await api.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
  assert.deepEqual(queues.map((queue) => queue.name).sort(), ['animation', 'candidates']);
  assert.ok(
    queues.every((queue) => queue.readOnlyMode),
    'read-only unless asked otherwise',
  );

  assert.equal((await fetch(`${base}/elsewhere`)).status, 404, 'other paths are left alone');
});
