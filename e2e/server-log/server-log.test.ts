// The server log as `npm start` writes it: the embedded lab (lab-main in its own process) in
// human lines and in JSON lines. A stopped and started node, an operation and a refused sign-in
// each make their line; HTTP requests only at debug level; no secret in any line.
import { ADMIN_PASSWORD_ENV } from '@walboard/server/src/auth/first-admin.ts';
import {
  type SignedIn,
  signIn,
  TEST_ADMIN_PASSWORD,
} from '@walboard/server/src/auth/test-support/sign-in.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedLab, startEmbeddedLab } from '../support/embedded-lab.ts';
import { runOperation, whyFailed } from '../support/operations-api.ts';

const WRONG_PASSWORD = 'Typo-in-the-Passw0rd-42';

/** Lines of the controller's log: what lab-main printed, without its own `[lab] …` lines. */
const logLines = (lab: EmbeddedLab) =>
  lab
    .output()
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('[lab]'));

async function waitFor(lab: EmbeddedLab, what: string, test: (lines: string[]) => boolean, ms = 30_000) {
  const until = Date.now() + ms;
  while (!test(logLines(lab))) {
    if (Date.now() > until) throw new Error(`no ${what} in the server log within ${ms} ms:\n${lab.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signs in wrong once, then right; stops node2 and starts it again; loads the sign-in link's page. */
async function exercise(lab: EmbeddedLab, nodeDown: (l: string[]) => boolean): Promise<SignedIn> {
  const refused = await fetch(`${lab.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: WRONG_PASSWORD }),
  });
  expect(refused.status).toBe(401);
  const admin = await signIn(lab.url, 'admin', TEST_ADMIN_PASSWORD);
  // The link's page: its query string holds the one-time token, which a request line must not.
  expect((await fetch(lab.link)).status).toBe(200);
  const wb = { url: lab.url, admin };
  const stopped = await runOperation(wb, { type: 'stop', node: 'node2', params: { mode: 'fast' } }, 60_000);
  expect(stopped.state, whyFailed(stopped)).toBe('succeeded');
  await waitFor(lab, 'node2 down line', nodeDown);
  const started = await runOperation(wb, { type: 'start', node: 'node2', params: {} }, 60_000);
  expect(started.state, whyFailed(started)).toBe('succeeded');
  return admin;
}

function secretsIn(lab: EmbeddedLab, admin: SignedIn): string[] {
  const token = new URL(lab.link).searchParams.get('token') ?? '';
  const secrets: Record<string, string> = {
    'PostgreSQL password': lab.password,
    'admin password': TEST_ADMIN_PASSWORD,
    'mistyped password': WRONG_PASSWORD,
    'session token': admin.cookie.split('=')[1] ?? '',
    'sign-in link token': token,
  };
  for (const [what, v] of Object.entries(secrets)) expect(v.length, what).toBeGreaterThan(10);
  const text = logLines(lab).join('\n');
  return Object.entries(secrets)
    .filter(([, v]) => text.includes(v))
    .map(([what]) => what);
}

describe('the lab in human lines (a terminal), level info', () => {
  let lab: EmbeddedLab;
  beforeAll(async () => {
    lab = await startEmbeddedLab({
      args: ['--log-format', 'human'],
      env: { [ADMIN_PASSWORD_ENV]: TEST_ADMIN_PASSWORD },
    });
  }, 120_000);
  afterAll(async () => lab?.close());

  it('tells nodes up and down with the reason, the operation, the refused sign-in; no request lines', async () => {
    const line = (re: RegExp) => (lines: string[]) => lines.some((l) => re.test(l));
    const T = '\\d\\d:\\d\\d:\\d\\d';
    await waitFor(lab, 'node1 up', line(new RegExp(`^${T} INFO  lab/node1  node up \\(primary\\)$`)));
    await waitFor(lab, 'node2 up', line(new RegExp(`^${T} INFO  lab/node2  node up \\(primary\\)$`)));
    const downRe = new RegExp(`^${T} WARN  lab/node2  node down: \\S.*`);
    const admin = await exercise(lab, line(downRe));
    await waitFor(
      lab,
      'node2 up again',
      (l) => l.filter((x) => / lab\/node2 {2}node up /.test(x)).length >= 2,
    );
    const lines = logLines(lab);
    const expectLine = (re: RegExp) =>
      expect(
        lines.some((l) => re.test(l)),
        `${re}\n${lines.join('\n')}`,
      ).toBe(true);
    expectLine(
      new RegExp(`^${T} INFO  walboard listening on http://127\\.0\\.0\\.1:\\d+ \\(log level info\\)$`),
    );
    expectLine(new RegExp(`^${T} WARN  sign-in refused for "admin" from 127\\.0\\.0\\.1: wrong password$`));
    expectLine(new RegExp(`^${T} INFO  lab/node2  stop started by admin \\(operation [0-9a-f]{8}\\)$`));
    expectLine(new RegExp(`^${T} INFO  lab/node2  stop succeeded after \\d+\\.\\d s: `));
    expectLine(new RegExp(`^${T} INFO  lab/node2  start succeeded after \\d+\\.\\d s: `));
    expectLine(downRe);
    // Every line is a human line (no JSON), and no request is told at info level.
    for (const l of lines) expect(l).toMatch(new RegExp(`^${T} (INFO |WARN |ERROR|FATAL) `));
    expect(lines.filter((l) => /\b(GET|POST) \//.test(l))).toEqual([]);
    expect(secretsIn(lab, admin)).toEqual([]);
  });
});

describe('the lab in JSON lines (journald, Loki), level debug', () => {
  let lab: EmbeddedLab;
  beforeAll(async () => {
    lab = await startEmbeddedLab({
      args: ['--log-format', 'json', '--log-level', 'debug'],
      env: { [ADMIN_PASSWORD_ENV]: TEST_ADMIN_PASSWORD },
    });
  }, 120_000);
  afterAll(async () => lab?.close());

  type Rec = Record<string, unknown> & { level: number; time: number; msg: string; event?: string };
  const records = () => logLines(lab).map((l) => JSON.parse(l) as Rec);
  const has = (match: Partial<Rec>) => (lines: string[]) =>
    lines.some((l) => {
      const r = JSON.parse(l) as Rec;
      return Object.entries(match).every(([k, v]) => r[k] === v);
    });

  it('writes one JSON object per line with event, cluster, node, reason, outcome; requests at debug', async () => {
    await waitFor(lab, 'node2 up', has({ event: 'node.up', node: 'node2' }));
    const admin = await exercise(lab, has({ event: 'node.down', node: 'node2', level: 40 }));
    await waitFor(
      lab,
      'operation start ended',
      has({ event: 'operation.ended', type: 'start', outcome: 'succeeded' }),
    );
    const recs = records();
    const one = (match: Partial<Rec>) => {
      const r = recs.find((x) => Object.entries(match).every(([k, v]) => x[k] === v));
      expect(r, `${JSON.stringify(match)}\n${lab.output()}`).toBeDefined();
      return r as Rec;
    };
    const down = one({ event: 'node.down', cluster: 'lab', node: 'node2' });
    expect(down.reason).toEqual(expect.any(String));
    expect(down.msg).toBe(`node down: ${down.reason}`);
    expect(one({ event: 'signin.refused' })).toMatchObject({
      level: 40,
      user: 'admin',
      address: '127.0.0.1',
      reason: 'wrong password',
    });
    one({ event: 'operation.started', type: 'stop', node: 'node2', by: 'admin' });
    const ended = one({ event: 'operation.ended', type: 'stop', node: 'node2' });
    expect(ended).toMatchObject({ level: 30, outcome: 'succeeded', durationMs: expect.any(Number) });
    // Requests: one debug line each, the path without its query string.
    const requests = recs.filter((r) => r.event === 'http.request');
    expect(requests.length).toBeGreaterThan(3);
    for (const r of requests) expect(r.level).toBe(20);
    expect(requests.some((r) => r.url === '/' && r.method === 'GET')).toBe(true);
    expect(requests.some((r) => r.url === '/api/session' && r.status === 401)).toBe(true);
    expect(secretsIn(lab, admin)).toEqual([]);
  });
});
