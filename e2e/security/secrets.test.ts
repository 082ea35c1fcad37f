// Secrets stay on the server: the PostgreSQL password, the ssh private key, the admin's password
// and session tokens never appear in a response, a socket event, the page bundle, the audit log
// or the server log — in its human lines and its JSON lines — also not when a login to
// PostgreSQL or ssh fails.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { TEST_ADMIN_PASSWORD } from '@walboard/server/src/auth/test-support/sign-in.ts';
import { parseConfigText } from '@walboard/server/src/config/load-config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { down, type HostsRun, psql, up } from '../hosts/harness.ts';
import { generateKey } from '../hosts/sshd.ts';
import { viewerSocket } from '../support/bench-socket.ts';
import { runOperation, whyFailed } from '../support/operations-api.ts';
import { configForHosts, type RunningWalboard, startWalboard, WEB_DIST } from '../support/walboard.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A password typed into the user name field: the audit keeps the name tried, the log does not. */
const PASSWORD_AS_NAME = 'Sup3r-Secret-Typed-In-The-Name-Field';

describe('secrets never leave the server', () => {
  let run: HostsRun;
  let wb: RunningWalboard;
  /** A second controller on the same host whose log is in human lines (the terminal's format). */
  let wbHuman: RunningWalboard;
  const serverLog: string[] = [];
  const humanLog: string[] = [];
  let secrets: Record<string, string>;

  beforeAll(async () => {
    run = await up(1, [15]);
    const [h1] = run.hosts;
    if (!h1) throw new Error('the harness did not create h1');
    const capture = (into: string[]) => {
      const log = new PassThrough();
      log.on('data', (c: Buffer) => into.push(c.toString('utf8')));
      return log;
    };
    const config = configForHosts(run).config;
    wb = await startWalboard(config, h1.pg.password, { logStream: capture(serverLog), logFormat: 'json' });
    wbHuman = await startWalboard({ ...config, dataDir: `${config.dataDir}-human` }, h1.pg.password, {
      logStream: capture(humanLog),
      logFormat: 'human',
    });
    const keyBody = readFileSync(run.controllerKeyPath, 'utf8').split('\n')[1] ?? '';
    secrets = {
      'PostgreSQL password': h1.pg.password,
      'ssh private key': keyBody.slice(0, 40),
      'admin password': TEST_ADMIN_PASSWORD,
      'session token': wb.admin.cookie.split('=')[1] ?? '',
      'session token (human-log controller)': wbHuman.admin.cookie.split('=')[1] ?? '',
      'mistyped password': `${h1.pg.password}-typo`,
    };
    for (const [what, v] of Object.entries(secrets)) expect(v.length, what).toBeGreaterThan(10);
    // Some traffic: a failed sign-in (its password must not be kept), rows, a log line.
    for (const w of [wb, wbHuman]) {
      const refused = await fetch(`${w.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: `${h1.pg.password}-typo` }),
      });
      expect(refused.status).toBe(401);
      // A password typed into the user name field: no account has that name.
      const asName = await fetch(`${w.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: PASSWORD_AS_NAME, password: 'anything-at-all' }),
      });
      expect(asName.status).toBe(401);
    }
    await psql(run, 'h1', "DO $$BEGIN RAISE LOG 'walboard-secrets-probe'; END$$");
    // An operation: its start and end lines, and both controllers' pollers signing in to
    // PostgreSQL again with the password after the restart (node down, node up).
    const op = await runOperation(wb, { type: 'restart', node: 'h1', params: {} }, 60_000);
    expect(op.state, whyFailed(op)).toBe('succeeded');
    for (const w of [wb, wbHuman]) {
      const until = Date.now() + 20_000;
      while (w.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg !== 'up') {
        if (Date.now() > until) throw new Error('h1 not up again 20 s after its restart');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  afterAll(async () => {
    await wbHuman?.close();
    await wb?.close();
    if (run) await down(run);
  });

  const leaks = (where: string, text: string) =>
    Object.entries(secrets)
      .filter(([, v]) => text.includes(v))
      .map(([what]) => `${what} in ${where}`);

  it('appear in no REST response, socket event, audit entry, server log line or page file', async () => {
    const found: string[] = [];
    // Every GET route, as the admin (who sees the most).
    for (const r of wb.app.routeTable.filter((r) => r.method === 'GET' && r.url.startsWith('/api/'))) {
      const url = r.url
        .replace(':cluster', 'lab')
        .replace(':node', 'h1')
        .replace(':username', 'admin')
        .replace(':id', 'x');
      const res = await fetch(`${wb.url}${url}${url.includes('lag-history') ? '?standby=h1' : ''}`, {
        headers: { cookie: wb.admin.cookie },
      });
      found.push(...leaks(`GET ${url}`, await res.text()));
    }
    // Two seconds of the live feed, logs included.
    const socket = viewerSocket(wb.url, wb.admin.cookie);
    const events: string[] = [];
    socket.onAny((event: string, payload: unknown) => events.push(`${event} ${JSON.stringify(payload)}`));
    socket.connect();
    await new Promise<void>((r) => socket.once('connect', () => r()));
    await socket.timeout(5000).emitWithAck('subscribe', { cluster: 'lab' });
    await socket.timeout(5000).emitWithAck('log:subscribe', { cluster: 'lab', node: 'h1' });
    // At least two seconds of it, and until a status came: an idle node's status is sent when it
    // changes and as a heartbeat every 2 s, so a 2 s window alone may fall between two.
    const from = Date.now();
    while (
      Date.now() - from < 2000 ||
      (!events.some((e) => e.startsWith('node:status')) && Date.now() - from < 6000)
    )
      await new Promise((r) => setTimeout(r, 100));
    socket.disconnect();
    expect(events.some((e) => e.startsWith('node:status'))).toBe(true);
    found.push(...leaks('socket events', events.join('\n')));

    const audit = await fetch(`${wb.url}/api/audit?limit=1000`, { headers: { cookie: wb.admin.cookie } });
    const auditText = await audit.text();
    expect(auditText).toContain('"action":"login"');
    found.push(...leaks('the audit log', auditText));
    found.push(...leaks('the server log (JSON lines)', serverLog.join('')));
    found.push(...leaks('the server log (human lines)', humanLog.join('')));
    for (const [format, log] of [
      ['JSON', serverLog],
      ['human', humanLog],
    ] as const) {
      if (log.join('').includes(PASSWORD_AS_NAME))
        found.push(`password typed as a user name in the ${format} log`);
    }
    expect(humanLog.join('')).toMatch(
      /sign-in refused for an unknown user name from 127\.0\.0\.1: no such user/,
    );
    // The lines that could have carried a secret were written: the refused sign-in, the
    // requests (debug), the operation.
    const json = serverLog.join('');
    expect(json).toContain('"url":"/api/session"');
    expect(json).toContain('"event":"signin.refused"');
    expect(json).toContain('"event":"operation.ended"');
    const human = humanLog.join('');
    expect(human).toMatch(/WARN {2}sign-in refused for "admin" from 127\.0\.0\.1: wrong password/);
    expect(human).toMatch(/DEBUG POST \/api\/session 401 /);
    expect(human).toMatch(/WARN {2}lab\/h1 {2}node down: /);
    for (const f of filesUnder(WEB_DIST)) found.push(...leaks(f, readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });

  it('reports a wrong PostgreSQL password or ssh key without the secret or a connection string', async () => {
    const [h1] = run.hosts;
    if (!h1) throw new Error('no h1');
    const otherKey = await generateKey(null, join(run.runDir, 'not-authorized-key'), 'not-authorized');
    const doc = parse(configForHosts(run).yaml) as {
      dataDir: string;
      clusters: { name: string; nodes: { name: string; ssh: { privateKeyPath: string } }[] }[];
    };
    const [good] = doc.clusters[0]?.nodes ?? [];
    if (!good) throw new Error('no node');
    doc.dataDir = `${doc.dataDir}-wrong`;
    doc.clusters[0] = {
      name: 'lab',
      nodes: [
        { ...good, name: 'badpw' },
        { ...good, name: 'badkey', ssh: { ...good.ssh, privateKeyPath: otherKey.privatePath } },
      ],
    };
    const wrongPassword = 'Wr0ng-Passw0rd-for-test';
    for (const logFormat of ['json', 'human'] as const) {
      doc.dataDir = `${doc.dataDir}-${logFormat}`;
      const log = new PassThrough();
      const lines: string[] = [];
      log.on('data', (c: Buffer) => lines.push(c.toString('utf8')));
      const bad = await startWalboard(
        parseConfigText(join(run.runDir, 'wrong.yaml'), stringify(doc)),
        wrongPassword,
        { logStream: log, logFormat },
      );
      try {
        const reasonOf = (node: string) =>
          bad.app.monitor.snapshot('lab')?.nodes.find((n) => n.node === node)?.reachability.reason ?? '';
        await expect
          .poll(() => reasonOf('badpw'), { timeout: 15_000 })
          .toMatch(/password authentication failed/);
        await expect.poll(() => reasonOf('badkey'), { timeout: 15_000 }).toMatch(/refused the SSH key/);
        const everything = [reasonOf('badpw'), reasonOf('badkey'), lines.join('')].join('\n');
        expect(everything).not.toContain(wrongPassword);
        expect(everything).not.toMatch(/postgres(ql)?:\/\//);
        expect(everything).not.toContain(readFileSync(otherKey.privatePath, 'utf8').split('\n')[1] ?? 'x');
        // The log told both nodes down, with the reason (which names no secret).
        await expect
          .poll(() => lines.join(''), { timeout: 5000 })
          .toMatch(
            logFormat === 'human'
              ? /lab\/badpw {2}node down: .*password authentication failed/
              : /"event":"node\.down","cluster":"lab","node":"badpw".*password authentication failed/,
          );
        expect(lines.join('')).not.toContain(wrongPassword);
      } finally {
        await bad.close();
      }
    }
  });
});
