#!/usr/bin/env node
// `npx firstframe ...`: loads the TypeScript CLI through tsx (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
await import('./firstframe.ts');
