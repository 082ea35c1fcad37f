// The controller under measurement, in its own process (so its RSS is its own, and the bench's
// 1000 clients do not share its event loop): startWalboard on the run's hosts, answering the
// parent's questions over the IPC channel. Started by controller.ts; argv[2] is the run id.
import { loadRun } from '../e2e/hosts/harness.ts';
import { closeWalboardWithin } from '../e2e/support/close-walboard.ts';
import { configForHosts, startWalboard } from '../e2e/support/walboard.ts';
import type { ChildReply, ChildRequest } from './controller.ts';

const send = (m: ChildReply) => process.send?.(m);

async function main(): Promise<void> {
  const runId = process.argv[2];
  if (!runId || !process.send) throw new Error('usage: controller-child.ts <run id> (with an IPC channel)');
  const run = await loadRun(runId);
  const password = run.hosts[0]?.pg.password;
  if (!password) throw new Error(`run ${runId} has no host`);
  const wb = await startWalboard(configForHosts(run).config, password);
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await closeWalboardWithin(wb, 5000);
    process.exit(0);
  };
  process.on('message', (m: ChildRequest) => {
    if (m.type === 'pollCounts') send({ type: 'pollCounts', id: m.id, counts: wb.app.monitor.pollCounts() });
    if (m.type === 'close') void close();
  });
  // The bench died: nothing will ever ask us to close.
  process.on('disconnect', () => void close());
  send({ type: 'ready', url: wb.url, cookie: wb.admin.cookie });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
