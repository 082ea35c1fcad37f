import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SignedIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import { freePort } from '@walboard/server/src/nodes/test-support/sshd-fixture.ts';
import { CSRF_HEADER, SESSION_COOKIE, type SessionInfo } from '@walboard/shared/auth';
import type { BrowserContext, Page } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The embedded lab as `npm start` runs it: lab-main in its own process, on free ports. */
export interface EmbeddedLab {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The one-time sign-in link lab-main printed. */
  link: string;
  /** The lab folder (node1/, node2/, controller/, lab.env). */
  dir: string;
  ports: [number, number];
  /** The servers' postgres password (lab.env), for the test's own SQL. */
  password: string;
  /** Everything lab-main printed so far (for failure messages). */
  output(): string;
  /** SIGTERM to lab-main (it stops its servers), then the folder is removed. */
  close(): Promise<void>;
}

/**
 * Starts `node --import tsx apps/server/src/lab/lab-main.ts` exactly as scripts/start.mjs does,
 * with its own folder under /var/tmp (as root the servers run as another user, who must reach
 * it) and free ports, and waits for the sign-in link it prints.
 */
export async function startEmbeddedLab(
  opts: {
    /** More lab-main arguments (`--log-format json`, …). */
    args?: string[];
    /** More environment (WALBOARD_ADMIN_PASSWORD: a password admin beside the lab's link). */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<EmbeddedLab> {
  const base = await mkdtemp('/var/tmp/walboard-e2e-lab-');
  await chmod(base, 0o755);
  const dir = join(base, 'lab');
  const ports: [number, number] = [await freePort(), await freePort()];
  const listen = `127.0.0.1:${await freePort()}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'apps/server/src/lab/lab-main.ts'),
      '--dir',
      dir,
      '--listen',
      listen,
      '--ports',
      ports.join(','),
      ...(opts.args ?? []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    }
    await rm(base, { recursive: true, force: true });
  };
  try {
    const link = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`lab-main printed no sign-in link in 90 s:\n${out}`)),
        90_000,
      );
      const look = () => {
        const m = /\[lab\] open (http:\/\/\S+\?token=\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout?.on('data', look);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`lab-main exited (${code}) before printing its link:\n${out}`));
      });
    });
    const env = await readFile(join(dir, 'lab.env'), 'utf8');
    const password = /^WALBOARD_LAB_PGPASSWORD=(\S+)$/m.exec(env)?.[1];
    if (!password) throw new Error(`no password in ${dir}/lab.env`);
    return { url: `http://${listen}`, link, dir, ports, password, output: () => out, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Opens the lab's one-time link in `context` (the student's browser), then returns that same
 * session for API calls: the link signs in one browser only, so the test shares its cookie.
 */
export async function signInWithLink(
  context: BrowserContext,
  lab: Pick<EmbeddedLab, 'url' | 'link'>,
): Promise<{ page: Page; admin: SignedIn }> {
  const page = await context.newPage();
  await page.goto(lab.link);
  await page.getByTestId('auto-login-notice').waitFor({ timeout: 15_000 });
  const session = (await context.cookies(lab.url)).find((c) => c.name === SESSION_COOKIE);
  if (!session) throw new Error('the lab link set no session cookie');
  const cookie = `${session.name}=${session.value}`;
  const res = await fetch(`${lab.url}/api/session`, { headers: { cookie } });
  if (!res.ok) throw new Error(`GET /api/session with the browser's cookie: ${res.status}`);
  const info = (await res.json()) as SessionInfo;
  return {
    page,
    admin: {
      cookie,
      csrf: info.csrfToken,
      info,
      mutation: { cookie, 'content-type': 'application/json', [CSRF_HEADER]: info.csrfToken },
    },
  };
}
