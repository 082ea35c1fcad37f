// bench/ is not a workspace package and resolves no third-party module itself: what it needs from
// e2e's dependencies comes through here (one place to see them).

export { Client as PgClient } from 'pg';
export type { Browser, Page } from 'playwright-core';
export { type ViewerSocket, viewerSocket } from './bench-socket.ts';
