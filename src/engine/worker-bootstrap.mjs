// Worker-thread entry: registers tsx in this thread (Node 20 workers do not reliably inherit
// the parent's TypeScript loader) and then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
