// walboard in a process of its own, for tests that kill the controller (kill -9) and start it
// again on the same data directory. Started by walboard-process.ts; argv[2] is the run id.
import { runWalboardChild } from './walboard-child-main.ts';
import type { ChildMessage } from './walboard-process.ts';

runWalboardChild<{ type: string }, ChildMessage>({
  script: 'walboard-child.ts',
  ready: (wb) => ({ type: 'ready', url: wb.url, admin: wb.admin }),
  failed: (message) => ({ type: 'failed', message }),
});
