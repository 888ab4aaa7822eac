// The ffmpeg launcher's own process (ffmpeg-launcher.ts starts it): it starts ffmpeg processes
// when asked over the IPC channel, feeds them their input and reports how each ended. Plain
// JavaScript, so that it starts without a TypeScript loader.
import { spawn } from 'node:child_process';

const runs = new Map();

function start({ id, command, args }) {
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  let reported = false;
  const report = (code, signal, error) => {
    if (reported) return;
    reported = true;
    runs.delete(id);
    process.send?.({ type: 'exit', id, code, signal, stderr: error ?? stderr });
  };
  child.stderr.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-4000)));
  // A process that stopped early makes writes fail with EPIPE; its exit says why.
  child.stdin.on('error', () => undefined);
  child.on('error', (error) => report(null, null, `could not start ${command}: ${error.message}`));
  child.on('close', (code, signal) => report(code, signal));
  runs.set(id, child);
}

process.on('message', (message) => {
  if (message.type === 'start') start(message);
  else if (message.type === 'input') runs.get(message.id)?.stdin.end(message.bytes);
  else if (message.type === 'kill') runs.get(message.id)?.kill('SIGKILL');
});

// The engine's process ended (or closed the channel): nothing it started may outlive it.
process.on('disconnect', () => {
  for (const child of runs.values()) child.kill('SIGKILL');
  process.exit(0);
});
