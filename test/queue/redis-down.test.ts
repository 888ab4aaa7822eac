// Enqueueing while Redis is down (a redis-server of the test's own, stopped): the producer
// gives up within its enqueueTimeoutMs with QueueUnavailableError, and the job it gave up on is
// not added behind our back once Redis is back.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { JobProducer, QueueUnavailableError } from '../../src/queue/producer.js';
import { createSetup, privateRedis, waitFor } from './helpers.js';

const redis = await privateRedis();
const setup = createSetup({ redisUrl: redis.url });
const TIMEOUT_MS = 1000;
const producers: JobProducer[] = [];

after(async () => {
  if (!redis.running) await redis.start(); // closing the queues' connections needs it
  for (const producer of producers) await producer.close();
  await setup.cleanup();
  await redis.remove();
});

function newProducer(): JobProducer {
  const producer = new JobProducer({
    connection: { url: redis.url },
    prefix: setup.prefix,
    enqueueTimeoutMs: TIMEOUT_MS,
  });
  producers.push(producer);
  return producer;
}

const candidates = (generationId: string) => ({
  generationId,
  round: 1,
  prompt: 'a red circle',
  seeds: [1, 2, 3, 4],
});

/** Enqueues and measures; the error it throws, if any. */
async function timedEnqueue(producer: JobProducer, generationId: string) {
  const started = performance.now();
  const error = await producer.enqueueCandidates(candidates(generationId)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return { error, ms: performance.now() - started };
}

/** Redis back: retries until an enqueue through `producer` goes in again. */
function enqueueOnceBack(producer: JobProducer, generationId: string) {
  return waitFor('an enqueue to go through again', () =>
    producer.enqueueCandidates(candidates(generationId)).then(
      () => true,
      () => false,
    ),
  );
}

test('Redis stopped after start-up: enqueue fails fast, and nothing is added later', async () => {
  await redis.start();
  const producer = newProducer();
  await producer.enqueueCandidates(candidates('before'));
  await redis.stop();

  const { error, ms } = await timedEnqueue(producer, 'during');
  assert.ok(error instanceof QueueUnavailableError, `QueueUnavailableError, got ${String(error)}`);
  assert.match(error.message, /the job queue \(Redis\) is unavailable/);
  assert.ok(ms < TIMEOUT_MS + 500, `gave up after ${Math.round(ms)} ms`);

  // Back up: a later job through the same producer goes in. Had the earlier one been kept to
  // be sent on reconnection, it would be in Redis before this one.
  await redis.start();
  await enqueueOnceBack(producer, 'after');
  const queue = producer.queues.candidates;
  assert.ok(await queue.getJob('candidates-after-r1'), 'the later job is there');
  assert.equal(await queue.getJob('candidates-during-r1'), undefined, 'the given-up job is not');
});

test('Redis down at start-up: enqueue gives up within the timeout, nothing added later', async () => {
  await redis.stop();
  const producer = newProducer();
  const { error, ms } = await timedEnqueue(producer, 'cold');
  assert.ok(error instanceof QueueUnavailableError, `QueueUnavailableError, got ${String(error)}`);
  assert.ok(ms < TIMEOUT_MS + 500, `gave up after ${Math.round(ms)} ms`);

  await redis.start();
  await enqueueOnceBack(producer, 'warm');
  assert.equal(await producer.queues.candidates.getJob('candidates-cold-r1'), undefined);
});
