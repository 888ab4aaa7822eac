// Starts ffmpeg processes from a small helper process instead of the engine's own. fork() copies
// the page tables of the process that calls it: from the engine's (0.5 GB mapped with two U-Net
// lanes) one ffmpeg start blocked the asking thread 20-40 ms, two per video; from the helper
// (~50 MB) it takes a few. The helper starts with the engine, before its sessions load, so its
// own start is cheap too, and it ends with the engine's process (its channel closes).
import { fork, type ChildProcess } from 'node:child_process';

/** One process started by the launcher, reading `feed`'s bytes on its stdin. */
export interface LaunchedRun {
  /** Writes `bytes` to the process's stdin and closes it. */
  feed(bytes: Uint8Array): void;
  /** Stops the process (SIGKILL); `done` then rejects. */
  kill(): void;
  /** Resolves when the process exits with 0; rejects naming its exit and the end of its stderr. */
  done: Promise<void>;
}

type ToLauncher =
  | { type: 'start'; id: number; command: string; args: string[] }
  | { type: 'input'; id: number; bytes: Uint8Array }
  | { type: 'kill'; id: number };

interface Exit {
  type: 'exit';
  id: number;
  code: number | null;
  signal: string | null;
  stderr: string;
}

// From the package root, two folders up: the same from src/engine/ and from the CLI's bundle
// in dist/cli/ (src/bin/firstframe.mjs).
const LAUNCHER_PROCESS = new URL('../../src/engine/ffmpeg-launcher-process.mjs', import.meta.url);

class Launcher {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, (exit: Exit) => void>();
  private nextId = 1;
  stopped = false;

  constructor() {
    // execArgv []: the helper is plain JavaScript and needs none of this process's loaders.
    this.child = fork(LAUNCHER_PROCESS, [], {
      serialization: 'advanced',
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: Exit) => {
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
      this.holdOpen();
    });
    this.child.on('exit', () => this.stop('the ffmpeg launcher process exited'));
    this.child.on('error', (error) => this.stop(`the ffmpeg launcher failed: ${error.message}`));
    this.holdOpen();
  }

  start(command: string, args: string[]): LaunchedRun {
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => {
      this.pending.set(id, (exit) =>
        exit.code === 0
          ? resolve()
          : reject(
              new Error(
                `ffmpeg failed (${exit.signal ?? `exit ${exit.code}`}): ${exit.stderr.trim()}`,
              ),
            ),
      );
    });
    this.send({ type: 'start', id, command, args });
    this.holdOpen();
    return {
      feed: (bytes) => this.send({ type: 'input', id, bytes }),
      kill: () => this.send({ type: 'kill', id }),
      done,
    };
  }

  private send(message: ToLauncher): void {
    if (!this.stopped && this.child.connected) this.child.send(message);
  }

  /** The helper keeps this process alive only while one of its runs is in flight. */
  private holdOpen(): void {
    if (this.pending.size > 0) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }

  private stop(reason: string): void {
    this.stopped = true;
    for (const [id, settle] of this.pending) settle(stoppedExit(id, reason));
    this.pending.clear();
    this.holdOpen();
  }
}

function stoppedExit(id: number, reason: string): Exit {
  return { type: 'exit', id, code: null, signal: null, stderr: reason };
}

let launcher: Launcher | undefined;

/** This thread's launcher: started now if not yet, or again if it died. */
function running(): Launcher {
  if (!launcher || launcher.stopped) launcher = new Launcher();
  return launcher;
}

/** Starts `command` through this thread's launcher. */
export function launch(command: string, args: string[]): LaunchedRun {
  return running().start(command, args);
}

/** Starts this thread's launcher ahead of its first use (loadEngine, before the sessions load). */
export function startLauncher(): void {
  running();
}
