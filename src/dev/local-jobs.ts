// An in-process job queue for the playground demo and the end-to-end tests. It really writes
// the files the real engine would (4 PNG candidates + a 2x2 grid; an MP4 and a GIF made by
// ffmpeg from the chosen frame; for a story's continuations, each whole story and a GIF grid
// preview of the new frames), one job at a time, with progress events. The product runs
// BullMQ workers and the ONNX engine instead (src/queue, src/engine) behind the same port.
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { FlowJob } from '../core/flow/types.js';
import type { JobEvent, JobQueue, JobResult, JobTicket, QueueOverview } from '../service/ports.js';
import { sketchFrame, sketchGrid } from './sketch-images.js';

const execFileAsync = promisify(execFile);
// `-loop 1` re-reads an image that does not decode forever: a stuck ffmpeg must not outlive
// its job (one spun for 20 minutes after a test was killed).
const run = (file: string, args: string[]) => execFileAsync(file, args, { timeout: 60_000 });
/** Steps a job without its own takes here (the real engine takes the model's defaults). */
const FAKE_DEFAULT_STEPS = 15;
/** New frames of a stand-in continuation: F - 1, as a model continuing from its last frame. */
const CONTINUATION_FRAMES = 15;
/** How many finished jobs' run times the ETA averages. */
const RECENT_JOBS = 20;

export interface LocalJobsOptions {
  artifactDir: string;
  ffmpegPath: string;
  /** Pause per denoising step, so progress is visible. */
  stepDelayMs?: number;
  /** Makes a job fail with this reason (tests of the failure path). */
  failWith?: (job: FlowJob) => string | undefined;
}

interface Entry {
  job: FlowJob;
  ticket: JobTicket;
}

export class LocalJobs implements JobQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly waiting: string[] = [];
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private running = false;
  private stopped = false;
  /** Run times (ms) of the last finished jobs, for `/info`'s ETAs. */
  private readonly durations: number[] = [];

  constructor(private readonly options: LocalJobsOptions) {}

  canRead(path: string): Promise<boolean> {
    return access(path).then(
      () => true,
      () => false,
    );
  }

  async enqueue(job: FlowJob): Promise<JobTicket> {
    const existing = this.entries.get(job.jobId);
    if (existing) return this.ticketOf(existing);
    const entry: Entry = { job, ticket: { state: 'waiting', position: 0 } };
    this.entries.set(job.jobId, entry);
    this.waiting.push(job.jobId);
    const ticket = this.ticketOf(entry);
    setImmediate(() => void this.drain());
    return ticket;
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async overview(): Promise<QueueOverview> {
    const entries = [...this.entries.values()];
    const states = entries.map((entry) => entry.ticket.state);
    const jobs: QueueOverview['jobs'] = [
      ...entries
        .filter((entry) => entry.ticket.state === 'active')
        .map(({ job }) => ({
          jobId: job.jobId,
          generationId: job.generationId,
          state: 'active' as const,
        })),
      ...this.waiting.map((jobId, index) => ({
        jobId,
        generationId: (this.entries.get(jobId) as Entry).job.generationId,
        state: 'waiting' as const,
        position: index + 1,
      })),
    ];
    const recent = this.durations;
    return {
      waiting: states.filter((state) => state === 'waiting').length,
      active: states.filter((state) => state === 'active').length,
      failed: states.filter((state) => state === 'failed').length,
      jobs,
      ...(recent.length > 0
        ? { recentJobMs: recent.reduce((sum, ms) => sum + ms, 0) / recent.length }
        : {}),
    };
  }

  /** Finishes the job in hand and takes no more. */
  stop(): void {
    this.stopped = true;
  }

  private ticketOf(entry: Entry): JobTicket {
    if (entry.ticket.state !== 'waiting') return entry.ticket;
    return { state: 'waiting', position: this.waiting.indexOf(entry.job.jobId) + 1 };
  }

  private emit(event: JobEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      let jobId: string | undefined;
      while (!this.stopped && (jobId = this.waiting.shift()) !== undefined) {
        const entry = this.entries.get(jobId) as Entry;
        entry.ticket = { state: 'active' };
        const started = Date.now();
        try {
          const result = await this.process(entry.job);
          entry.ticket = { state: 'completed', result };
          this.durations.push(Date.now() - started);
          if (this.durations.length > RECENT_JOBS) this.durations.shift();
          this.emit({ type: 'completed', jobId, result });
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          entry.ticket = { state: 'failed', reason };
          this.emit({ type: 'failed', jobId, reason });
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async process(job: FlowJob): Promise<JobResult> {
    const delay = this.options.stepDelayMs ?? 20;
    const total = job.steps ?? FAKE_DEFAULT_STEPS;
    for (let step = 1; step <= total; step++) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      this.emit({ type: 'progress', jobId: job.jobId, step, total });
    }
    const failure = this.options.failWith?.(job);
    if (failure) throw new Error(failure);
    const folder = path.join(this.options.artifactDir, job.generationId);
    await mkdir(folder, { recursive: true });
    return job.kind === 'candidates' ? this.drawCandidates(job, folder) : this.animate(job, folder);
  }

  private async drawCandidates(
    job: Extract<FlowJob, { kind: 'candidates' }>,
    folder: string,
  ): Promise<JobResult> {
    if (job.continueFrom) return this.continueStory(job, job.continueFrom.videoPath, folder);
    const frames = await Promise.all(job.seeds.map((seed) => sketchFrame(seed)));
    const images = frames.map((_, i) => path.join(folder, `round${job.round}-${i + 1}.png`));
    await Promise.all(frames.map((frame, i) => writeFile(images[i] as string, frame)));
    const grid = path.join(folder, `round${job.round}-grid.png`);
    await writeFile(grid, await sketchGrid(frames));
    return { kind: 'candidates', images, grid };
  }

  /** Four stand-in continuations of the story: each seed's sketch sliding right after it, the
   * whole story as MP4 + GIF, and the grid of the new frames as an animated GIF preview. */
  private async continueStory(
    job: Extract<FlowJob, { kind: 'candidates' }>,
    story: string,
    folder: string,
  ): Promise<JobResult> {
    const ffmpeg = this.options.ffmpegPath;
    const firsts = await Promise.all(job.seeds.map((seed) => sketchFrame(seed)));
    const images = firsts.map((_, i) => path.join(folder, `round${job.round}-${i + 1}.png`));
    await Promise.all(firsts.map((frame, i) => writeFile(images[i]!, frame)));
    const work = await mkdtemp(path.join(folder, `round${job.round}-frames-`));
    try {
      const at = Array.from({ length: CONTINUATION_FRAMES }, (_, t) => t);
      const clips = await Promise.all(
        firsts.map((first) => Promise.all(at.map((t) => slid(first, 2 * t)))),
      );
      const frameName = (name: string, t: number) =>
        path.join(work, `${name}-${String(t).padStart(2, '0')}.png`);
      await Promise.all(
        at.flatMap((t) => [
          ...clips.map((clip, i) => writeFile(frameName(`c${i}`, t), clip[t]!)),
          sketchGrid(clips.map((clip) => clip[t]!)).then((grid) =>
            writeFile(frameName('grid', t), grid),
          ),
        ]),
      );
      const grid = path.join(folder, `round${job.round}-preview.gif`);
      await run(ffmpeg, [
        '-y',
        '-loglevel',
        'error',
        '-framerate',
        '8',
        '-i',
        path.join(work, 'grid-%02d.png'),
        '-loop',
        '0',
        grid,
      ]);
      const same = 'scale=256:256:flags=neighbor,fps=8,setsar=1';
      const videos = await Promise.all(
        firsts.map(async (_, i) => {
          const mp4 = path.join(folder, `round${job.round}-story-${i + 1}.mp4`);
          const gif = path.join(folder, `round${job.round}-story-${i + 1}.gif`);
          await run(ffmpeg, [
            ...['-y', '-loglevel', 'error', '-i', story],
            ...['-framerate', '8', '-i', path.join(work, `c${i}-%02d.png`)],
            ...[
              '-filter_complex',
              `[0:v]${same}[a];[1:v]${same}[b];[a][b]concat=n=2:v=1:a=0,format=yuv420p[v]`,
            ],
            ...['-map', '[v]', '-c:v', 'libx264', '-movflags', '+faststart', mp4],
          ]);
          await run(ffmpeg, ['-y', '-loglevel', 'error', '-i', mp4, '-vf', 'fps=8', gif]);
          return { mp4, gif };
        }),
      );
      return { kind: 'candidates', images, grid, videos };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async animate(
    job: Extract<FlowJob, { kind: 'animation' }>,
    folder: string,
  ): Promise<JobResult> {
    const mp4 = path.join(folder, 'video.mp4');
    const gif = path.join(folder, 'video.gif');
    const ffmpeg = this.options.ffmpegPath;
    // 16 frames at 8 fps, 256x256: the frame slides right, standing in for real motion.
    const slide = 'scale=256:256:flags=neighbor,pad=320:256:32:0,crop=256:256:32-t*16:0';
    await run(ffmpeg, [
      ...['-y', '-loglevel', 'error', '-loop', '1', '-framerate', '8', '-i', job.imagePath],
      ...['-frames:v', '16', '-vf', slide, '-c:v', 'libx264', '-pix_fmt', 'yuv420p'],
      ...['-movflags', '+faststart', mp4],
    ]);
    await run(ffmpeg, ['-y', '-loglevel', 'error', '-i', mp4, '-vf', 'fps=8', gif]);
    return { kind: 'animation', mp4, gif };
  }
}

/** `png` moved `shift` pixels right, its left edge repeated into the gap (a sketch "moving"). */
async function slid(png: Buffer, shift: number): Promise<Buffer> {
  if (shift === 0) return png;
  const { width = 64, height = 64 } = await sharp(png).metadata();
  const wider = await sharp(png).extend({ left: shift, extendWith: 'copy' }).png().toBuffer();
  return sharp(wider).extract({ left: 0, top: 0, width, height }).png().toBuffer();
}
