// The README's one-line commands that need no servers, run as written (placeholders filled in).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@walboard/server/src/nodes/test-support/sshd-fixture.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { readerEnv, repoRoot, runToEnd, startCommand, waitFor200 } from './run-command.ts';

const SSH_KEYGEN = 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub';
const CHMOD_DATA_DIR = 'chmod 700 <dataDir>';
const LINT = 'pnpm lint';
const WEB_BUILD = 'pnpm --filter @walboard/web run build';
const FIRST_LOAD = 'node scripts/first-load-size.mjs';

describe('README: one-line commands', () => {
  const dir = join(repoRoot, '.e2e-artifacts', `readme-small-${process.pid}`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(SSH_KEYGEN, () => {
    const r = runToEnd(SSH_KEYGEN, repoRoot);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^256 SHA256:[A-Za-z0-9+/]{43} .* \(ED25519\)\n$/);
  });

  it(`${CHMOD_DATA_DIR}: walboard refuses an open data folder, names this command, starts after it`, async () => {
    const data = join(dir, 'state');
    mkdirSync(data, { recursive: true });
    await chmod(data, 0o770);
    const port = await freePort();
    const runAs = process.getuid?.() === 0 ? '\n        runAs: postgres' : '';
    writeFileSync(
      join(dir, 'walboard.yaml'),
      `listen: 127.0.0.1:${port}
dataDir: ./state
clusters:
  - name: c
    nodes:
      - name: n1
        transport: local${runAs}
        postgres: { port: ${await freePort()}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/pg }
`,
    );
    const start = `node --import tsx ${join(repoRoot, 'apps/server/src/main.ts')} --config walboard.yaml`;
    const refused = runToEnd(start, dir, readerEnv(), 60_000);
    expect(refused.code).toBe(1);
    const told = CHMOD_DATA_DIR.replace('<dataDir>', data);
    expect(refused.stderr).toContain(`Run \`${told}\``);
    expect(runToEnd(told, dir).code).toBe(0);
    const started = performance.now();
    const run = startCommand(start, dir);
    try {
      await waitFor200(
        `http://127.0.0.1:${port}/api/health`,
        started,
        60_000,
        () => run.child.exitCode === null,
      );
    } finally {
      expect((await run.stop()).forced).toBe(false);
    }
  });

  it(`${WEB_BUILD}, then ${FIRST_LOAD}: the first screen loads a fraction of the page's JavaScript`, () => {
    const build = runToEnd(WEB_BUILD, repoRoot, readerEnv(), 300_000);
    expect(build.code, `${build.stdout}\n${build.stderr}`).toBe(0);
    const r = runToEnd(FIRST_LOAD, repoRoot, readerEnv());
    expect(r.code, r.stderr).toBe(0);
    const first = /^first load: [\d.]+ kB \(([\d.]+) kB gzip\) in (\d+) file/m.exec(r.stdout);
    const later = /^loaded when needed: [\d.]+ kB \(([\d.]+) kB gzip\) in (\d+) file/m.exec(r.stdout);
    expect(first, r.stdout).not.toBeNull();
    expect(later, r.stdout).not.toBeNull();
    // Before the split the whole page was one chunk of 177–209 kB gzip; charts, topology, the
    // operation dialogs and every view but the overview now load when first shown.
    expect(Number(first?.[1])).toBeLessThan(177);
    expect(Number(later?.[2])).toBeGreaterThanOrEqual(10);
    for (const lazy of ['LagCharts', 'Topology', 'OperationDialog', 'LabPage', 'AlertsPage']) {
      expect(r.stdout, `${lazy} is a chunk of its own, loaded when needed`).toMatch(
        new RegExp(`loaded when needed[\\s\\S]*assets/${lazy}`, 'i'),
      );
    }
  }, 300_000);

  it(LINT, () => {
    const r = runToEnd(LINT, repoRoot, readerEnv(), 300_000);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 300_000);
});
