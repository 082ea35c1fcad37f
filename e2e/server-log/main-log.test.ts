// `walboard --config …` (main.ts, the production entry): the `log:` section of walboard.yaml
// sets level and format; a start that fails tells why in the log's format, on stderr, with the
// exit code a service manager reads; the flags are checked.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@walboard/server/src/nodes/test-support/sshd-fixture.ts';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../apps/server/src/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'walboard-log-start-'));

const walboard = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    cwd: dirname(MAIN),
  });

function configFile(name: string, log: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `${log}clusters:
  - name: lab
    nodes:
      - name: n1
        host: 10.213.250.2
        ssh: { user: postgres, privateKeyPath: /nonexistent/key, hostKey: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }
        postgres: { binDir: /usr/lib/postgresql/15/bin, dataDir: /var/lib/postgresql/15/main }
`,
  );
  return file;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a start that fails, in each log format', () => {
  it('refuses a log level walboard.yaml does not know, naming log.level, as JSON lines when asked', () => {
    const file = configFile('bad-level.yaml', 'log: { level: loud }\n');
    const r = walboard('--config', file, '--log-format', 'json');
    expect(r.status, r.stderr).toBe(2);
    const recs = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ level: 50, event: 'config.invalid', file, line: 1, field: 'log.level' });
    expect(String(recs[0]?.msg)).toMatch(/must be one of fatal, error, warn, info, debug, trace, silent/);
  });

  it('says the same in text with --log-format human', () => {
    const file = configFile('bad-format.yaml', 'log: { format: pretty }\n');
    const r = walboard('--config', file, '--log-format', 'human');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${file}:1:`);
    expect(r.stderr).toMatch(/log\.format: must be "auto", "human" or "json"/);
    expect(r.stderr).not.toMatch(/^\{/m);
  });

  it('refuses an unknown --log-level before reading anything', () => {
    const r = walboard(
      '--config',
      join(dir, 'missing.yaml'),
      '--log-level',
      'verbose',
      '--log-format',
      'human',
    );
    // A wrong option is a usage error (exit 2, as `walboard --help` says), told before any file is read.
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--log-level "verbose" is not a level: use one of fatal, .*silent/);
    expect(r.stderr).not.toContain('missing.yaml');
  });

  it('accepts a valid log section, then fails on what comes next (the key file): a fatal JSON line off a terminal', () => {
    const file = configFile('good-log.yaml', 'log: { level: warn, format: json }\n');
    const r = walboard('--config', file);
    expect(r.status, r.stderr).toBe(1);
    const rec = JSON.parse(r.stderr.trim()) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 60, event: 'server.start-failed' });
    expect(String(rec.msg)).toMatch(/cannot read the ssh private key \/nonexistent\/key/);
  });
});

describe('a start that works, with the level and format from walboard.yaml', () => {
  it('writes human lines at debug level: listening, the node down with its reason, a request', async () => {
    const port = await freePort();
    const pgPort = await freePort();
    const file = join(dir, 'works.yaml');
    writeFileSync(
      file,
      `listen: 127.0.0.1:${port}
log: { level: debug, format: human }
dataDir: ${join(dir, 'state')}
clusters:
  - name: solo
    nodes:
      - name: gone
        transport: local
        runAs: postgres
        postgres: { port: ${pgPort}, binDir: /usr/lib/postgresql/15/bin, dataDir: /nonexistent/data }
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', file], {
      cwd: dirname(MAIN),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WALBOARD_ADMIN_PASSWORD: 'main-log-test-admin-password' },
    });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const waitFor = async (re: RegExp) => {
      const until = Date.now() + 30_000;
      while (!re.test(out)) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`no ${re} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      const T = '\\d\\d:\\d\\d:\\d\\d';
      await waitFor(
        new RegExp(`${T} INFO  walboard listening on http://127\\.0\\.0\\.1:${port} \\(log level debug\\)`),
      );
      await waitFor(
        new RegExp(
          `${T} WARN  solo/gone  node down: PostgreSQL at 127\\.0\\.0\\.1:${pgPort} refused the connection`,
        ),
      );
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
      await waitFor(new RegExp(`${T} DEBUG GET /api/health 200 [\\d.]+ ms`));
      expect(out).not.toMatch(/^\{/m);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/INFO {2}SIGTERM: closing connections/);
  });
});
