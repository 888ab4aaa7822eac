// Command parsing and validation (pure): see parse.ts for the entry point.
export * from './attachment.js';
export * from './admin.js';
export * from './parse.js';
export * from './settings.js';
export * from './tokenize.js';
export * from './types.js';
export * from './video.js';
export * from './words.js';
