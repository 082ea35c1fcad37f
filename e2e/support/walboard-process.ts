import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { SignedIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import type { HostsRun } from '../hosts/harness.ts';

export type ChildMessage =
  | { type: 'ready'; url: string; admin: SignedIn }
  | { type: 'failed'; message: string };

/** walboard running in a child process (see walboard-child.ts): what the operations API helpers need. */
export interface WalboardProcess {
  url: string;
  admin: SignedIn;
  pid: number;
  /** kill -9 of the controller, as a crash would; resolves once the process is gone. */
  crash(): Promise<void>;
  /** Asks the controller to close and waits for it (kill -9 after 10 s). */
  close(): Promise<void>;
}

/** Starts walboard on the run's hosts in a child process and waits until it listens. */
export async function startWalboardProcess(run: HostsRun): Promise<WalboardProcess> {
  const child: ChildProcess = fork(join(import.meta.dirname, 'walboard-child.ts'), [run.run], {
    execArgv: ['--import', 'tsx'],
    cwd: join(import.meta.dirname, '..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('walboard child not ready within 60 s')), 60_000);
    child.on('message', (m: ChildMessage) => {
      clearTimeout(timer);
      if (m.type === 'ready') resolve(m);
      else reject(new Error(`walboard child failed to start: ${m.message}`));
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`walboard child exited before it was ready (code ${code}, signal ${sig})`));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('walboard child has no pid');
  return {
    url: ready.url,
    admin: ready.admin,
    pid,
    crash: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
