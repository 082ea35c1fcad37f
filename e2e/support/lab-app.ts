import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '@walboard/server/src/app.ts';
import { createOrReuseLab, type Lab } from '@walboard/server/src/lab/create-lab.ts';
import { freePort } from '@walboard/server/src/nodes/test-support/sshd-fixture.ts';
import { WEB_DIST } from './walboard.ts';

/** The embedded lab (two local servers) with walboard serving its page, in this process. */
export interface LabApp {
  lab: Lab;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** http://127.0.0.1:<port> */
  base: string;
  /** The lab's one-time sign-in link (opens the Lab view). */
  link: string;
  close(): Promise<void>;
}

/**
 * Makes a fresh lab under /var/tmp (as root its servers run as another user, who must reach the
 * folder) and starts walboard on it on a free loopback port; close() stops and removes it all.
 */
export async function startLabApp(prefix: string): Promise<LabApp> {
  const dir = await mkdtemp(`/var/tmp/${prefix}-`);
  await chmod(dir, 0o755);
  let lab: Lab | null = null;
  let app: LabApp['app'] | null = null;
  const close = async () => {
    await app?.close();
    await lab?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    lab = await createOrReuseLab({
      dir: join(dir, 'lab'),
      ports: [await freePort(), await freePort()],
      log: () => {},
    });
    app = await buildApp({ config: lab.config, env: lab.env, webDist: WEB_DIST, announce: () => {} });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const link = app.labLink?.url(base);
    if (!link) throw new Error('the lab app has no one-time sign-in link');
    return { lab, app, base, link, close };
  } catch (err) {
    await close();
    throw err;
  }
}
