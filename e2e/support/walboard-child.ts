// walboard in a process of its own, for tests that kill the controller (kill -9) and start it
// again on the same data directory. Started by walboard-process.ts; argv[2] is the run id.
import { loadRun } from '../hosts/harness.ts';
import { closeWalboardWithin } from './close-walboard.ts';
import { configForHosts, startWalboard } from './walboard.ts';
import type { ChildMessage } from './walboard-process.ts';

const send = (m: ChildMessage) => process.send?.(m);

async function main(): Promise<void> {
  const runId = process.argv[2];
  if (!runId || !process.send) throw new Error('usage: walboard-child.ts <run id> (with an IPC channel)');
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
  process.on('message', (m: { type: string }) => {
    if (m.type === 'close') void close();
  });
  // The test process died: nothing will ever ask us to close.
  process.on('disconnect', () => void close());
  send({ type: 'ready', url: wb.url, admin: wb.admin });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
