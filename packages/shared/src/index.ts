export * from './api.ts';
export * from './audit.ts';
export * from './auth.ts';
export * from './config.ts';
export * from './events.ts';
export * from './guide.ts';
export * from './operations.ts';
export * from './status.ts';
