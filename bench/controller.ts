// Starts the controller as a child process (controller-child.ts) and talks to it over IPC.
import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostsRun } from '../e2e/hosts/harness.ts';

export type ChildRequest = { type: 'pollCounts'; id: number } | { type: 'close' };
export type ChildReply =
  | { type: 'ready'; url: string; cookie: string }
  | { type: 'failed'; message: string }
  | { type: 'pollCounts'; id: number; counts: Record<string, number> };

export interface Controller {
  url: string;
  /** The admin's session cookie (viewers and the bench page sign in with it). */
  cookie: string;
  pid: number;
  /** Status polls done per node so far ("cluster/node" → count), from the controller itself. */
  pollCounts(): Promise<Record<string, number>>;
  /** Resident set of the controller process (VmRSS in /proc), MiB. */
  rssMb(): Promise<number>;
  close(): Promise<void>;
}

const children = new Set<ChildProcess>();
// Whatever happens to the bench, its controllers go with it (our own children, by pid).
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

export async function readRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for pid ${pid}`);
  return kb / 1024;
}

export async function startController(run: HostsRun): Promise<Controller> {
  const child = fork(join(import.meta.dirname, 'controller-child.ts'), [run.run], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('the controller process did not start');
  const { url, cookie } = await new Promise<{ url: string; cookie: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the controller did not start within 60 s')), 60_000);
    child.on('message', (m: ChildReply) => {
      if (m.type === 'ready') resolve({ url: m.url, cookie: m.cookie });
      if (m.type === 'failed') reject(new Error(`the controller failed to start: ${m.message}`));
      if (m.type !== 'pollCounts') clearTimeout(timer);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the controller exited (${signal ?? code}) before it was ready`));
    });
  });
  let nextId = 1;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    cookie,
    pid,
    pollCounts: () =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => reject(new Error('the controller did not answer pollCounts')), 10_000);
        const on = (m: ChildReply) => {
          if (m.type !== 'pollCounts' || m.id !== id) return;
          clearTimeout(timer);
          child.off('message', on);
          resolve(m.counts);
        };
        child.on('message', on);
        child.send({ type: 'pollCounts', id } satisfies ChildRequest);
      }),
    rssMb: () => readRssMb(pid),
    close: async () => {
      if (child.exitCode === null && child.connected) child.send({ type: 'close' } satisfies ChildRequest);
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
      children.delete(child);
    },
  };
}
