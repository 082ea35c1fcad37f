// The body of a process that runs walboard on a test run's hosts for a parent that talks to it
// over IPC (e2e's kill -9 tests, the bench's controller under measurement): start, answer, close
// when asked or when the parent is gone. argv[2] is the run id.
import { loadRun } from '../hosts/harness.ts';
import { closeWalboardWithin } from './close-walboard.ts';
import { configForHosts, type RunningWalboard, startWalboard } from './walboard.ts';

export interface WalboardChildOptions<Req extends { type: string }, Reply> {
  /** Named in the usage error. */
  script: string;
  ready(wb: RunningWalboard): Reply;
  failed(message: string): Reply;
  /** Requests other than `close`. */
  onRequest?(m: Req, wb: RunningWalboard, send: (r: Reply) => void): void;
}

export function runWalboardChild<Req extends { type: string }, Reply>(
  o: WalboardChildOptions<Req, Reply>,
): void {
  const send = (m: Reply) => process.send?.(m);
  const main = async () => {
    const runId = process.argv[2];
    if (!runId || !process.send) throw new Error(`usage: ${o.script} <run id> (with an IPC channel)`);
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
    process.on('message', (m: Req) => {
      if (m.type === 'close') void close();
      else o.onRequest?.(m, wb, send);
    });
    // The parent died: nothing will ever ask us to close.
    process.on('disconnect', () => void close());
    send(o.ready(wb));
  };
  main().catch((err: unknown) => {
    send(o.failed(err instanceof Error ? (err.stack ?? err.message) : String(err)));
    process.exit(1);
  });
}
