export * from './api.ts';
export * from './config.ts';
export * from './events.ts';
export * from './status.ts';
export * from './audit.ts';
export * from './auth.ts';
export * from './operations.ts';
