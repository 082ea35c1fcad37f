// Each host gets, besides its network namespace, its own PID, mount, UTS and IPC namespaces,
// whose PID 1 is a tiny init that only reaps. Why:
// - After `kill -9` of a postmaster, an orphan is reparented to the nearest reaper. On this
//   machine the real PID 1 reaps only every ~2 s, leaving a zombie that makes `kill(pid, 0)`
//   succeed and `pg_ctl start` fail on "lock file postmaster.pid already exists". Inside the
//   host's PID namespace every orphan (postmaster, sshd, anything started over ssh or with
//   runOnHost) is reparented to our init, which ignores SIGCHLD so the kernel reaps at once.
// - Killing the init kills every process of the host (kernel semantics of a PID namespace):
//   `down` stops a host with a single, recorded, verified pid.
// - The mount namespace lets each host have its own /var/lib/postgresql (ssh keys, known_hosts,
//   config for the postgres user), /run/postgresql (socket dir), /etc/hosts and /dev/shm without
//   touching the machine's; the IPC namespace drops SysV segments of killed postmasters.
import { spawn } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import {
  childRefs,
  fileTail,
  harnessError,
  type ProcRef,
  procRef,
  type RunOptions,
  type RunResult,
  run,
  waitFor,
} from './proc.ts';

// Run from `sh -c` with the paths as positional parameters (never spliced into the script).
const INIT_SCRIPT = [
  'set -e',
  'hostname "$1"',
  'mount -t tmpfs -o mode=1777,size=2g tmpfs /dev/shm',
  'mount --bind "$2" /var/lib/postgresql',
  'mount --bind "$3" /run/postgresql',
  'mount --bind "$4" /etc/hosts',
  ': > "$5"',
  // perl is Essential on Debian; SIGCHLD=IGNORE makes the kernel reap children (and orphans
  // reparented to us) immediately. dash's `trap "" CHLD` does not set SIG_IGN, so no plain sh.
  `exec perl -e '$0 = "wbh-init"; $SIG{CHLD} = "IGNORE"; sleep;'`,
].join('\n');

export interface HostInitPaths {
  hostname: string;
  netns: string;
  homeDir: string;
  socketDir: string;
  hostsFile: string;
  readyFile: string;
  logFile: string;
}

export async function startHostInit(p: HostInitPaths): Promise<{ unshare: ProcRef; init: ProcRef }> {
  const log = await open(p.logFile, 'a');
  const args = [
    ...['netns', 'exec', p.netns],
    ...['unshare', '--pid', '--fork', '--mount-proc', '--uts', '--ipc', '--propagation', 'private'],
    ...['sh', '-c', INIT_SCRIPT, 'wbh-init', p.hostname, p.homeDir, p.socketDir, p.hostsFile, p.readyFile],
  ];
  // Detached: the host must outlive a CLI `up` and must not die with the test's process group.
  // `ip netns exec` execs unshare in place, so child.pid is unshare's pid.
  const child = spawn('ip', args, { detached: true, stdio: ['ignore', log.fd, log.fd], cwd: '/' });
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = signal ?? String(code);
  });
  child.unref();
  await log.close();
  const fail = (detail: string) =>
    harnessError(p.hostname, 'starting its namespaces (unshare + init)', detail, `see ${p.logFile}`);
  if (child.pid === undefined) throw fail('spawn of ip netns exec failed');
  const unsharePid = child.pid;
  await waitFor(
    async () => {
      if (exited !== null) throw fail(`init exited early (${exited}): ${await fileTail(p.logFile)}`);
      return (await stat(p.readyFile).catch(() => null)) ? true : undefined;
    },
    10_000,
    () => fail('init did not become ready within 10 s'),
  );
  const unshare = await procRef(unsharePid);
  const init = (await childRefs(unsharePid))[0];
  if (!unshare || !init) throw fail('cannot find the unshare process or its init child in /proc');
  return { unshare, init };
}

export interface HostUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

let postgresUser: HostUser | undefined;

/** The machine's `postgres` account (Debian creates it locked, uid 101 here). */
export async function getPostgresUser(): Promise<HostUser> {
  if (postgresUser) return postgresUser;
  const r = await run('getent', ['passwd', 'postgres']);
  const f = r.stdout.trim().split(':');
  if (r.code !== 0 || f.length < 7) {
    throw harnessError(
      null,
      'looking up the postgres user',
      'no such account',
      'install postgresql-common or create it',
    );
  }
  postgresUser = {
    name: 'postgres',
    uid: Number(f[2]),
    gid: Number(f[3]),
    home: f[5] ?? '/var/lib/postgresql',
  };
  return postgresUser;
}

export interface HostExecOptions extends RunOptions {
  /** Default 'root'. As postgres the command gets postgres's groups, HOME and a clean env. */
  asUser?: 'root' | 'postgres';
}

const ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * The command and argv that run `argv` inside a host: all its namespaces (network, PID so that
 * orphans are reaped by its init and pids in postmaster.pid mean the same thing, mount for its
 * home and socket dir, UTS, IPC) and, if asked, as postgres. Usable with spawn for long-running
 * processes; `runOnHost` wraps it for one-shot commands.
 */
export async function hostCommand(
  init: ProcRef,
  argv: readonly string[],
  opts: Pick<HostExecOptions, 'asUser' | 'env' | 'cwd'> = {},
): Promise<{ command: string; args: string[]; env: NodeJS.ProcessEnv }> {
  if (argv.length === 0) throw harnessError(null, 'running a command on a host', 'empty argv');
  const asPostgres = opts.asUser === 'postgres';
  const user = asPostgres ? await getPostgresUser() : null;
  // A clean environment: the test runner's variables (NODE_OPTIONS, VITEST_*, …) have no
  // business on a "remote" host.
  const env: NodeJS.ProcessEnv = {
    PATH: user ? USER_PATH : ROOT_PATH,
    HOME: user ? user.home : '/root',
    USER: user ? user.name : 'root',
    LOGNAME: user ? user.name : 'root',
    LANG: 'C.UTF-8',
    ...opts.env,
  };
  const args = [
    '--target',
    String(init.pid),
    ...['--net', '--pid', '--mount', '--uts', '--ipc'],
    `--wd=${opts.cwd ?? (user ? user.home : '/')}`,
    '--',
    ...(user ? ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'] : []),
    ...argv,
  ];
  return { command: 'nsenter', args, env };
}

export async function runInHost(
  init: ProcRef,
  argv: readonly string[],
  opts: HostExecOptions = {},
): Promise<RunResult> {
  const { command, args, env } = await hostCommand(init, argv, opts);
  return run(command, args, { ...opts, env, cwd: '/' });
}
