// The host's thread entry: registers tsx in this thread (Node 20 workers do not reliably inherit
// the parent's TypeScript loader), then runs the TypeScript side (thread.ts).
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
