// Process plumbing shared by the harness: running commands (argv arrays only, never a shell
// string), identifying processes by pid + start time so that we never signal a recycled pid,
// and translating pids between the root PID namespace and a host's PID namespace.
import { spawn } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';

export class HarnessError extends Error {
  override name = 'HarnessError';
}

/** Builds an error that says which host, which step, what went wrong and what to do about it. */
export function harnessError(host: string | null, step: string, detail: string, hint?: string): HarnessError {
  const who = host === null ? 'test hosts' : `test host ${host}`;
  return new HarnessError(`${who}: ${step} failed: ${detail}${hint ? ` — ${hint}` : ''}`);
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  /** Kills the child (by its pid) after this long; default 60 s so a hung tool cannot hang a test run. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd ?? '/',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    // EPIPE when the child does not read its stdin is not our problem.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export function describeFailure(cmd: string, r: RunResult): string {
  const status = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-8).join(' | ');
  return `${cmd} ${status}${out ? `: ${out}` : ''}`;
}

/** Runs and throws a HarnessError naming host and step unless the command exits 0. */
export async function runChecked(
  host: string | null,
  step: string,
  cmd: string,
  args: readonly string[],
  opts: RunOptions & { hint?: string } = {},
): Promise<RunResult> {
  let r: RunResult;
  try {
    r = await run(cmd, args, opts);
  } catch (err) {
    throw harnessError(host, step, `cannot run ${cmd}: ${(err as Error).message}`, opts.hint);
  }
  if (r.code !== 0) throw harnessError(host, step, describeFailure(cmd, r), opts.hint);
  return r;
}

/**
 * Like Promise.all, but waits for every promise to settle before rejecting: the caller's
 * clean-up must not race with host setups that are still running. Other failures are appended.
 */
export async function allOrFirstError<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length === 0) return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  const [first, ...others] = errors;
  if (first instanceof Error && others.length > 0) {
    first.message += `; also: ${others.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`;
  }
  throw first;
}

/** Last lines of a log file, on one line, for error messages (the file may be gone later). */
export async function fileTail(path: string, lines = 5): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-lines).join(' | ') || '(empty)';
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a non-undefined value; throws the error from `onTimeout`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  onTimeout: () => Error,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw onTimeout();
    await sleep(intervalMs);
  }
}

// ---- /proc helpers -------------------------------------------------------------------------

/** A process as the harness recorded it: the start time tells a recycled pid apart. */
export interface ProcRef {
  pid: number;
  startTime: string;
}

interface StatInfo {
  state: string;
  ppid: number;
  startTime: string;
}

async function readStat(pid: number): Promise<StatInfo | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const ppid = rest[1];
  const startTime = rest[19];
  if (state === undefined || ppid === undefined || startTime === undefined) return null;
  return { state, ppid: Number(ppid), startTime };
}

export async function procRef(pid: number): Promise<ProcRef | null> {
  const st = await readStat(pid);
  return st ? { pid, startTime: st.startTime } : null;
}

/** True while the recorded process still runs (a zombie counts as gone: it holds nothing). */
export async function isAlive(ref: ProcRef): Promise<boolean> {
  const st = await readStat(ref.pid);
  return st !== null && st.startTime === ref.startTime && st.state !== 'Z';
}

/** Signals a recorded process only if the pid still belongs to it. Returns whether it was sent. */
export async function killRef(ref: ProcRef, signal: NodeJS.Signals): Promise<boolean> {
  if (!(await isAlive(ref))) return false;
  try {
    process.kill(ref.pid, signal);
    return true;
  } catch {
    return false;
  }
}

export async function waitGone(refs: readonly ProcRef[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = await Promise.all(refs.map(isAlive));
    if (!alive.includes(true)) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}

export async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  try {
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const p of text.split(' ')) if (p.trim()) out.push(Number(p));
    }
  } catch {
    // the process is gone: no children
  }
  return out;
}

/** All processes (root-namespace pids) whose parent is `pid`, with their identities. */
export async function childRefs(pid: number): Promise<ProcRef[]> {
  const refs = await Promise.all((await childPids(pid)).map(procRef));
  return refs.filter((r): r is ProcRef => r !== null);
}

async function pidNs(pid: number): Promise<string | null> {
  return readlink(`/proc/${pid}/ns/pid`).catch(() => null);
}

/**
 * A host's processes live in their own PID namespace, so postmaster.pid and sshd.pid hold
 * pids as seen inside it. This finds the root-namespace pid of such an inner pid by reading
 * NSpid from every process in the same PID namespace as the host's init.
 */
export async function outerPid(initPid: number, innerPid: number): Promise<number | null> {
  const ns = await pidNs(initPid);
  if (ns === null) return null;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if ((await pidNs(pid)) !== ns) continue;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const line = status.split('\n').find((l) => l.startsWith('NSpid:'));
    const ids = line?.slice(6).trim().split(/\s+/).map(Number) ?? [];
    if (ids.length >= 2 && ids[ids.length - 1] === innerPid) return pid;
  }
  return null;
}

export async function exePath(pid: number): Promise<string | null> {
  return readlink(`/proc/${pid}/exe`).catch(() => null);
}

/** Identity of the current process, recorded as the owner of a run. */
export async function selfRef(): Promise<ProcRef> {
  const ref = await procRef(process.pid);
  if (!ref) throw new HarnessError('cannot read /proc/self/stat: the harness needs Linux /proc');
  return ref;
}
