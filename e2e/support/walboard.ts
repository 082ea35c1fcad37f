import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '@walboard/server/src/app.ts';
import { type SignedIn, signIn, withTestAdmin } from '@walboard/server/src/auth/test-support/sign-in.ts';
import { parseConfigText } from '@walboard/server/src/config/load-config.ts';
import { createLogger } from '@walboard/server/src/logging/create-logger.ts';
import type { WalboardConfig } from '@walboard/shared/config';
import { stringify } from 'yaml';
import type { HostsRun } from '../hosts/harness.ts';

export const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '../../apps/web/dist');
export const PASSWORD_ENV = 'WALBOARD_E2E_PGPASSWORD';

/** walboard.yaml for test hosts: ssh nodes with pinned host keys, pg through the ssh tunnel. */
export function configForHosts(run: HostsRun, cluster = 'lab'): { yaml: string; config: WalboardConfig } {
  const doc = {
    listen: '127.0.0.1:8080', // not used: startWalboard listens on a free port
    dataDir: join(run.runDir, 'walboard'),
    clusters: [
      {
        name: cluster,
        nodes: run.hosts.map((h) => ({
          name: h.name,
          host: h.ip,
          ssh: {
            user: h.sshUser,
            port: h.sshPort,
            privateKeyPath: run.controllerKeyPath,
            hostKey: h.hostKeyFingerprint,
          },
          postgres: {
            port: h.pg.port,
            user: h.pg.superuser,
            passwordEnv: PASSWORD_ENV,
            binDir: h.pg.binDir,
            dataDir: h.pg.dataDir,
            logFile: h.pg.logFile,
          },
          archiveDir: h.archiveDir,
        })),
      },
    ],
  };
  const yaml = stringify(doc);
  // Through the real loader: the e2e config must be one a user could have written.
  return { yaml, config: parseConfigText(join(run.runDir, 'walboard.yaml'), yaml) };
}

export interface RunningWalboard {
  app: Awaited<ReturnType<typeof buildApp>>;
  url: string;
  /** The first admin, signed in (cookie + CSRF token): give it to launchChromium or a socket. */
  admin: SignedIn;
  close(): Promise<void>;
}

/** Starts the controller in this process on a free loopback port, serving the built page. */
export async function startWalboard(
  config: WalboardConfig,
  password: string,
  opts: { logStream?: NodeJS.WritableStream; logFormat?: 'human' | 'json' } = {},
): Promise<RunningWalboard> {
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error(`the page is not built (${WEB_DIST} is missing): run \`pnpm build\` or \`npm test\``);
  }
  const app = await buildApp({
    config,
    webDist: WEB_DIST,
    env: withTestAdmin({ ...process.env, [PASSWORD_ENV]: password }),
    // The server log at debug level, when a test wants to read what walboard writes there: the
    // same logger serve() makes, JSON lines unless the test asks for the human ones.
    ...(opts.logStream
      ? {
          loggerInstance: createLogger({
            level: 'debug',
            format: opts.logFormat ?? 'json',
            out: opts.logStream,
            color: false,
          }),
        }
      : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (!addr || typeof addr !== 'object') throw new Error('walboard did not get a port');
  const url = `http://127.0.0.1:${addr.port}`;
  return { app, url, admin: await signIn(url), close: () => app.close() };
}
