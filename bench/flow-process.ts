// A bot process for bench/flow.ts: one bot service (flow-runner.ts) on the database named by
// BENCH_DATABASE_URL, driven over IPC by the bench: { id, vote } → { id } once saved,
// { id, takeLost: true } → { id, lost }, { stop: true } → exits.
import { createClient } from '../src/db/index.js';
import { localRunner, type BenchVote } from './flow-runner.js';

type Request = { id: number; vote?: BenchVote; takeLost?: true; stop?: true };

const db = createClient({
  kind: 'postgresql',
  url: process.env.BENCH_DATABASE_URL!,
  schema: undefined,
});
const runner = await localRunner(db);
process.on('message', (request: Request) => {
  void (async () => {
    if (request.stop) {
      await runner.stop();
      await db.$disconnect();
      process.disconnect();
      return;
    }
    if (request.vote) {
      await runner.vote(request.vote);
      process.send!({ id: request.id });
    } else if (request.takeLost) {
      process.send!({ id: request.id, lost: await runner.takeLost() });
    }
  })();
});
process.send!({ ready: true });
