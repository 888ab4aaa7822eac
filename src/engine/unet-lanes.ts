// U-Net calls split by batch across threads ("lanes"). On the CPU a second intra-op thread buys
// a U-Net little (bench/unet-step.ts on 2 cores: a video U-Net call 187 ms on one thread, 145 ms
// on two in one session), while two lanes, each running part of the batch on its own session
// with one thread, took 109 ms with the same outputs: the samples of a batch never mix in a
// U-Net, so each slice's rows are what the whole call gives them.
// The calling thread runs the first slice on its own session; each other slice goes to a helper
// thread (thread-host.ts) holding its own session of the same file.
import {
  addSessionRunMs,
  float32,
  openSession,
  type Session,
  type SessionSettings,
} from './backend.js';
import { ThreadHost, threadModule } from './thread-host.js';

/** One U-Net call's inputs: `sample` is [batch, ...sampleDims], `context` [batch, ...contextDims]. */
export interface UnetCall {
  sample: Float32Array;
  sampleDims: readonly number[];
  timesteps: Float32Array;
  context: Float32Array;
  contextDims: readonly number[];
}

/** Runs one U-Net call on a session: the output `out_sample` [batch, ...]. */
export async function runUnetCall(session: Session, call: UnetCall): Promise<Float32Array> {
  const batch = call.timesteps.length;
  const out = await session.run({
    sample: float32(call.sample, [batch, ...call.sampleDims]),
    timestep: float32(call.timesteps, [batch]),
    encoder_hidden_states: float32(call.context, [batch, ...call.contextDims]),
  });
  return out.out_sample!.data;
}

/** What a helper thread holds: its own session of the U-Net file. */
export async function openUnetLane(modelPath: string, settings: SessionSettings) {
  const session = await openSession(modelPath, settings);
  return {
    run: (call: UnetCall) => runUnetCall(session, call),
    close: () => session.release(),
  };
}
const LANE_MODULE = threadModule<typeof openUnetLane>(new URL(import.meta.url), 'openUnetLane');

/** Batch sizes of the lanes: as even as possible, the larger slices first; no empty slice. */
export function laneSizes(batch: number, lanes: number): number[] {
  const used = Math.max(1, Math.min(lanes, batch));
  const base = Math.floor(batch / used);
  return Array.from({ length: used }, (_, i) => base + (i < batch % used ? 1 : 0));
}

/** Rows [from, to) of a call (every input's first dimension is the batch). */
function sliceCall(call: UnetCall, from: number, to: number): UnetCall {
  const rows = (data: Float32Array) => {
    const perRow = data.length / call.timesteps.length;
    return data.slice(from * perRow, to * perRow);
  };
  return {
    ...call,
    sample: rows(call.sample),
    timesteps: call.timesteps.slice(from, to),
    context: rows(call.context),
  };
}

export class UnetLanes {
  private constructor(
    private readonly local: Session,
    private readonly helpers: ThreadHost<Awaited<ReturnType<typeof openUnetLane>>>[],
  ) {}

  /** The calling thread's session plus `lanes - 1` helper threads with sessions of `modelPath`. */
  static async open(
    local: Session,
    modelPath: string,
    settings: SessionSettings,
    lanes: number,
  ): Promise<UnetLanes> {
    const opening = Array.from({ length: lanes - 1 }, () =>
      ThreadHost.open(LANE_MODULE, modelPath, settings),
    );
    const opened = await Promise.allSettled(opening);
    const helpers = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) {
      await Promise.all(helpers.map((helper) => helper.close()));
      throw failed.reason;
    }
    return new UnetLanes(local, helpers);
  }

  get count(): number {
    return this.helpers.length + 1;
  }

  async run(call: UnetCall): Promise<Float32Array> {
    const sizes = laneSizes(call.timesteps.length, this.count);
    if (sizes.length === 1) return runUnetCall(this.local, call);
    // The helpers' slices are sent first, so they run while this thread runs its own.
    let from = sizes[0]!;
    const remote = sizes.slice(1).map((size, i) => {
      const slice = sliceCall(call, from, from + size);
      from += size;
      return this.helpers[i]!.call('run', slice);
    });
    // Settled before any error is thrown: no helper's answer is left unhandled.
    const mine = await runUnetCall(this.local, sliceCall(call, 0, sizes[0]!)).catch(
      (error: unknown) => Promise.allSettled(remote).then(() => Promise.reject(error)),
    );
    const waited = performance.now();
    const theirs = await Promise.all(remote);
    addSessionRunMs(performance.now() - waited); // the helpers' run() time past this thread's
    const out = new Float32Array(mine.length + theirs.reduce((n, part) => n + part.length, 0));
    out.set(mine);
    let at = mine.length;
    for (const part of theirs) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** Ends the helper threads (the local session is its runtime's to release). */
  async close(): Promise<void> {
    await Promise.all(this.helpers.map((helper) => helper.close()));
  }
}
