// The controller under measurement, in its own process (so its RSS is its own, and the bench's
// 1000 clients do not share its event loop): startWalboard on the run's hosts, answering the
// parent's questions over the IPC channel. Started by controller.ts; argv[2] is the run id.
import { runWalboardChild } from '../e2e/support/walboard-child-main.ts';
import type { ChildReply, ChildRequest } from './controller.ts';

runWalboardChild<ChildRequest, ChildReply>({
  script: 'controller-child.ts',
  ready: (wb) => ({ type: 'ready', url: wb.url, cookie: wb.admin.cookie }),
  failed: (message) => ({ type: 'failed', message }),
  onRequest: (m, wb, send) => {
    if (m.type === 'pollCounts') send({ type: 'pollCounts', id: m.id, counts: wb.app.monitor.pollCounts() });
  },
});
