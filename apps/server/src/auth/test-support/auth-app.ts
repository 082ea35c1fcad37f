import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type BuildAppOptions, buildApp } from '../../app.ts';
import { parseConfigText } from '../../config/load-config.ts';
import { freePort } from '../../nodes/test-support/sshd-fixture.ts';
import { withTestAdmin } from './sign-in.ts';

export interface AuthTestApp {
  app: FastifyInstance;
  url: string;
  dir: string;
  close(): Promise<void>;
}

/**
 * A real controller with two clusters (lab, other) of local nodes whose PostgreSQL is not
 * running: enough for every route and socket event to exist, nothing to wait for.
 */
export async function startAuthTestApp(
  opts: {
    webDist?: string;
    extraYaml?: string;
    env?: NodeJS.ProcessEnv;
    labReset?: BuildAppOptions['labReset'];
  } = {},
): Promise<AuthTestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'walboard-auth-'));
  const pgPort = await freePort();
  const node = (name: string) =>
    `      - { name: ${name}, transport: local, postgres: { port: ${pgPort}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/${name} } }`;
  const yaml = `
dataDir: ${dir}/state
${opts.extraYaml ?? ''}
clusters:
  - name: lab
    nodes:
${node('n1')}
${node('n2')}
  - name: other
    nodes:
${node('o1')}
`;
  // Local nodes need runAs when the tests run as root; they are never started here.
  const text =
    process.getuid?.() === 0
      ? yaml.replaceAll('transport: local,', 'transport: local, runAs: postgres,')
      : yaml;
  const app = await buildApp({
    config: parseConfigText(join(dir, 'walboard.yaml'), text),
    webDist: opts.webDist ?? '/nonexistent',
    env: withTestAdmin({ ...process.env, ...opts.env }),
    ...(opts.labReset ? { labReset: opts.labReset } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    app,
    url,
    dir,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
