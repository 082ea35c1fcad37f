// Every command README.md shows is run by a test as written — or says here, visibly, why not.
// A command added to the README without an entry below fails; so does an entry whose test file
// does not hold the command's exact text, and an entry for a command the README no longer shows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeCommands } from './readme-commands.ts';
import { repoRoot } from './run-command.ts';

type How =
  /** The file runs the command exactly as written. */
  | { file: string }
  /** The file runs it with what is said here changed (placeholders, folders the test owns). */
  | { file: string; changed: string }
  /** Not run by any test, for the reason given: shown in the test list as NOT RUN. */
  | { notRun: string };

const INSTALL = 'e2e/install/built-server.test.ts';
const MACHINE =
  'changes the machine itself (a system user, /etc, systemd units) and systemd is not PID 1 on the test machine; the unit it installs is checked with systemd-analyze (e2e/install/systemd-unit.test.ts)';

const DOCKER = 'e2e/install/docker-compose.test.ts';

const BENCH =
  'the measurements themselves: about 20 minutes on test hosts, figures stated in the README with when they were taken; a test would only repeat them';

const HOW: Record<string, How> = {
  'npm start': {
    file: 'e2e/install/npm-start.test.ts',
    changed:
      'run with --dir and --listen (a test folder, a free port): plain `npm start` would reuse the checkout’s .walboard-lab and need port 8080',
  },
  'npm start -- --dir /path/to/lab --listen 127.0.0.1:9090': {
    file: 'e2e/install/npm-start.test.ts',
    changed: 'the folder and the port are the test’s own',
  },
  'npm test': { notRun: 'it is the command that runs this test' },
  'pnpm install --frozen-lockfile': { file: 'e2e/install/deploy.ts' },
  'pnpm build': { file: 'e2e/install/deploy.ts' },
  'pnpm --filter @walboard/server deploy --legacy --prod /opt/walboard': {
    file: 'e2e/install/deploy.ts',
    changed: '/opt/walboard is a temporary folder',
  },
  'ln -s /opt/walboard/bin/walboard.js /usr/local/bin/walboard': {
    file: INSTALL,
    changed: '/opt/walboard and /usr/local/bin are temporary folders',
  },
  'walboard --version': { file: INSTALL },
  'walboard --help': { file: INSTALL },
  'walboard --config /etc/walboard/walboard.yaml': {
    file: INSTALL,
    changed: '/etc/walboard is a temporary folder',
  },
  'WALBOARD_CONFIG=/etc/walboard/walboard.yaml walboard': {
    file: INSTALL,
    changed: '/etc/walboard is a temporary folder',
  },
  'useradd --system --home-dir /var/lib/walboard --shell /usr/sbin/nologin walboard': { notRun: MACHINE },
  'install -d -m 0750 -g walboard /etc/walboard': { notRun: MACHINE },
  'install -m 0640 -g walboard walboard.yaml /etc/walboard/walboard.yaml': { notRun: MACHINE },
  'install -m 0640 -g walboard /dev/null /etc/walboard/walboard.env': { notRun: MACHINE },
  'install -m 0644 deploy/systemd/walboard.service /etc/systemd/system/walboard.service': { notRun: MACHINE },
  'systemctl daemon-reload': { notRun: MACHINE },
  'systemctl enable --now walboard': { notRun: MACHINE },
  'journalctl -u walboard -f': { notRun: MACHINE },
  'systemd-analyze security --offline=yes deploy/systemd/walboard.service': {
    file: 'e2e/install/systemd-unit.test.ts',
  },
  'pnpm --filter @walboard/server start -- --config walboard.yaml': {
    file: 'e2e/install/own-servers-start.test.ts',
  },
  'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub': { file: 'e2e/install/readme-small-commands.test.ts' },
  'chmod 700 <dataDir>': {
    file: 'e2e/install/readme-small-commands.test.ts',
    changed: '<dataDir> is the folder walboard refused',
  },
  'pnpm lint': { file: 'e2e/install/readme-small-commands.test.ts' },
  'pnpm --filter @walboard/e2e hosts up --hosts 2': {
    file: 'e2e/install/hosts-cli.test.ts',
    changed: 'the follow-ups (isolate h2, rejoin h2, crash h1, status, down) name the run with --run',
  },
  'pnpm --filter @walboard/e2e exec tsx support/lab-screens.ts ../docs/images': {
    file: 'e2e/install/lab-screens.test.ts',
    changed: 'the pictures go to a temporary folder, not over the committed ones',
  },
  'pnpm dev': { file: 'e2e/install/pnpm-dev.test.ts' },
  'pnpm --filter @walboard/web run build': { file: 'e2e/install/readme-small-commands.test.ts' },
  'node scripts/first-load-size.mjs': { file: 'e2e/install/readme-small-commands.test.ts' },
  'walboard --config walboard.yaml --log-level debug --log-format json': {
    file: 'e2e/install/built-server.test.ts',
    changed: 'walboard.yaml is the test’s own (a node that is down, on a free port)',
  },
  'npm start -- --log-level debug': {
    file: 'e2e/install/npm-start.test.ts',
    changed: 'with --dir and --listen as the other `npm start` lines',
  },
  'pnpm --filter @walboard/server deploy --legacy --prod docker/walboard-server': { file: DOCKER },
  'docker-compose up -d --build': { file: DOCKER, changed: 'with -f and -p: a project name of its own' },
  'docker compose up -d --build': {
    file: DOCKER,
    changed: 'with -f and -p, after a 1.29 `down` that keeps the volumes (compose v2 from .ci/compose-v2.sh)',
  },
  'docker-compose exec pg1 ssh-keygen -lf /var/lib/postgresql/sshd/ssh_host_ed25519_key.pub': {
    file: DOCKER,
    changed: 'with -f and -p, `exec -T` (no terminal), for pg1 and pg2',
  },
  'pnpm bench': { notRun: BENCH },
  'pnpm bench -- --only clone,promote,setup': { notRun: BENCH },
  'pnpm bench -- --only cold-start --cold-samples 9': { notRun: BENCH },
  'pnpm bench -- --only clone,switchover --clone-samples 5 --switchover-samples 3': { notRun: BENCH },
};

const shown = readmeCommands();

describe('README.md: every command it shows is run by a test', () => {
  for (const command of shown) {
    const how = HOW[command];
    if (how && 'notRun' in how) {
      it(`NOT RUN: \`${command}\` — ${how.notRun}`, () => {
        expect(how.notRun.length).toBeGreaterThan(0);
      });
      continue;
    }
    const label = how && 'changed' in how ? ` (${how.changed})` : '';
    it(`\`${command}\`${how ? ` → ${how.file}${label}` : ''}`, () => {
      expect(
        how,
        `no test runs \`${command}\`: add one and list it in e2e/install/readme-commands.test.ts`,
      ).toBeDefined();
      if (!how || 'notRun' in how) return;
      const text = readFileSync(join(repoRoot, how.file), 'utf8');
      expect(text.includes(command), `${how.file} does not hold \`${command}\` as written`).toBe(true);
    });
  }

  it('lists no command the README no longer shows', () => {
    expect(Object.keys(HOW).filter((c) => !shown.includes(c))).toEqual([]);
  });
});
