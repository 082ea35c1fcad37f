// Stopping and starting a host's sshd, for fault tests: "sshd is down on this server".
// A real sshd outage (crash, OOM kill, host reboot into a broken config) takes the daemon AND
// the sessions it forked, so stopSshd kills the listener and its whole process tree: clients
// with an established connection see it close, new ones are refused. (Debian's
// `systemctl stop ssh` keeps sessions alive — KillMode=process — which a controller could not
// tell from "sshd up"; that case needs no test.)
import { readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { runInHost } from './host-init.ts';
import {
  childRefs,
  describeFailure,
  exePath,
  fileTail,
  harnessError,
  isAlive,
  killRef,
  outerPid,
  type ProcRef,
  procRef,
  waitGone,
} from './proc.ts';
import { sshdConfigPath, sshdLogPath, sshdPidPath, waitTcp } from './sshd.ts';
import { type HostInfo, type HostsRun, loadRecord } from './state.ts';

const SSHD = '/usr/sbin/sshd';

async function hostAndInit(run: HostsRun | string, host: string): Promise<{ h: HostInfo; init: ProcRef }> {
  const id = typeof run === 'string' ? run : run.run;
  const rec = await loadRecord(id);
  const h = rec?.description?.hosts.find((x) => x.name === host);
  if (!rec || !h) throw harnessError(host, 'finding the host', `not in run ${id}`);
  const init = rec.hosts.find((x) => x.name === host)?.init;
  if (!init || !(await isAlive(init))) {
    throw harnessError(host, 'entering the host', `its init process is gone (run ${id})`, 'call up() again');
  }
  return { h, init };
}

/** The listener and every process below it (sessions, their privsep children, the commands run). */
async function processTree(root: ProcRef): Promise<ProcRef[]> {
  const out: ProcRef[] = [root];
  for (let i = 0; i < out.length; i++) {
    const p = out[i];
    if (p) out.push(...(await childRefs(p.pid)));
  }
  return out;
}

/** True once nothing accepts TCP on ip:port (a refused or failed connect). */
function refuses(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: 500 });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(true));
  });
}

/**
 * Kills the host's sshd and its established sessions (SIGKILL, by verified pid). Returns how many
 * processes went. Resolves once port 22 refuses connections.
 */
export async function stopSshd(run: HostsRun | string, host: string): Promise<{ killed: number }> {
  const { h, init } = await hostAndInit(run, host);
  const pidFile = sshdPidPath(join(h.dir, 'ssh'));
  const inner = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(inner) || inner <= 0) {
    throw harnessError(h.name, 'stopping sshd', `no pid in ${pidFile}`, 'is sshd running? startSshd() first');
  }
  const outer = await outerPid(init.pid, inner);
  const listener = outer === null ? null : await procRef(outer);
  if (!listener || outer === null || (await exePath(outer)) !== SSHD) {
    throw harnessError(h.name, 'stopping sshd', `pid ${inner} from ${pidFile} is not a running ${SSHD}`);
  }
  // Frozen first, so it forks no new session while the tree is collected.
  await killRef(listener, 'SIGSTOP');
  const tree = await processTree(listener);
  await Promise.all(tree.map((p) => killRef(p, 'SIGKILL')));
  if (!(await waitGone(tree, 5000))) {
    throw harnessError(h.name, 'stopping sshd', 'its processes did not exit within 5 s of SIGKILL');
  }
  await rm(pidFile, { force: true });
  for (let i = 0; !(await refuses(h.ip, 22)); i++) {
    if (i >= 40) throw harnessError(h.name, 'stopping sshd', `${h.ip}:22 still accepts connections`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { killed: tree.length };
}

/** Starts the host's sshd again with the config `up` wrote; resolves once it accepts connections. */
export async function startSshd(run: HostsRun | string, host: string): Promise<void> {
  const { h, init } = await hostAndInit(run, host);
  const sshDir = join(h.dir, 'ssh');
  const r = await runInHost(init, [SSHD, '-f', sshdConfigPath(sshDir), '-E', sshdLogPath(sshDir)]);
  if (r.code !== 0) {
    throw harnessError(
      h.name,
      'starting sshd',
      `${describeFailure('sshd', r)}; log: ${await fileTail(sshdLogPath(sshDir))}`,
    );
  }
  if (!(await waitTcp(h.ip, 22, 10_000))) {
    throw harnessError(
      h.name,
      'starting sshd',
      `nothing listens on ${h.ip}:22 after 10 s; log: ${await fileTail(sshdLogPath(sshDir))}`,
    );
  }
}
