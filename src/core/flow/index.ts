// The product's flow, pure: reduce(state, event) → {state, effects}. See reducer.ts.
export * from './emoji.js';
export * from './jobs.js';
export * from './lifecycle.js';
export * from './messages.js';
export * from './reducer.js';
export * from './retake.js';
export * from './story.js';
export * from './story-clips.js';
export * from './tally.js';
export * from './text.js';
export * from './types.js';
export * from './vary.js';
