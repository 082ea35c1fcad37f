export * from './api.ts';
export * from './config.ts';
export * from './events.ts';
export * from './status.ts';
