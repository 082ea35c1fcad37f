import { PassThrough } from 'node:stream';
import type { NodeStatus } from '@walboard/shared/status';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.ts';
import { parseConfigText } from '../config/load-config.ts';
import { tellConfigWarnings } from './config-warnings.ts';
import { createLogger } from './create-logger.ts';
import { EventLog } from './event-log.ts';
import { formatHumanLine, oneLine } from './human-line.ts';
import { parseLogFlags, resolveLog } from './log-options.ts';
import { reportStartFailure } from './start-failure.ts';

/** A logger writing into a string, as serve() would write to stdout. */
function captured(format: 'human' | 'json', level: 'info' | 'debug' | 'warn' = 'info') {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => {
    text += b.toString('utf8');
  });
  const logger = createLogger({ level, format, out, color: false });
  return { logger, lines: () => text.split('\n').filter((l) => l !== '') };
}

function status(over: Partial<NodeStatus['reachability']> = {}, node = 'node2'): NodeStatus {
  return {
    cluster: 'lab',
    node,
    transport: 'ssh',
    host: '10.0.0.2',
    reachability: { ssh: 'up', pg: 'up', reason: null, ...over },
    role: 'standby',
    version: null,
    versionNum: null,
    timeline: null,
    currentLsn: null,
    receiveLsn: null,
    replayLsn: null,
    lastReplayTimestamp: null,
    senders: [],
    receiver: null,
    archiver: null,
    readyFiles: null,
    observedAt: new Date().toISOString(),
  };
}

describe('the human line', () => {
  it('is time, level, cluster/node and what happened', () => {
    const time = new Date(2026, 11, 5, 14, 2, 11).getTime();
    const line = formatHumanLine({ level: 40, time, msg: 'node down: refused', cluster: 'lab', node: 'n2' });
    expect(line).toBe('14:02:11 WARN  lab/n2  node down: refused');
    expect(formatHumanLine({ level: 30, time, msg: 'walboard listening' })).toBe(
      '14:02:11 INFO  walboard listening',
    );
  });

  it("adds an error's message and shows no other field", () => {
    const line = formatHumanLine({
      level: 50,
      msg: 'audit entry not written',
      err: { message: 'disk full' },
      password: 'hunter22',
      headers: { cookie: 'wb_session=abc' },
    });
    expect(line).toMatch(/ERROR audit entry not written: disk full$/);
    expect(line).not.toContain('hunter22');
    expect(line).not.toContain('wb_session');
  });

  it('stays one line whatever the data holds (no forged lines, no escape sequences)', () => {
    const line = formatHumanLine({
      level: 40,
      msg: 'sign-in refused for "x\nFAKE 12:00:00 INFO  y\u001b[2J"',
    });
    expect(line.split('\n')).toHaveLength(1);
    expect(line).not.toContain('\u001b');
    expect(oneLine('a'.repeat(1000)).length).toBe(400);
  });

  it('colours only the level, and only when asked', () => {
    expect(formatHumanLine({ level: 50, msg: 'x' }, { color: true })).toContain('\u001b[31mERROR');
    expect(formatHumanLine({ level: 50, msg: 'x' })).not.toContain('\u001b');
  });
});

describe('log options', () => {
  it('command line wins over walboard.yaml, which wins over the terminal check', () => {
    expect(resolveLog({}, undefined, true)).toEqual({ level: 'info', format: 'human' });
    expect(resolveLog({}, undefined, false)).toEqual({ level: 'info', format: 'json' });
    expect(resolveLog({}, { level: 'debug', format: 'auto' }, false)).toEqual({
      level: 'debug',
      format: 'json',
    });
    expect(resolveLog({}, { format: 'human' }, false).format).toBe('human');
    expect(
      resolveLog({ logLevel: 'warn', logFormat: 'json' }, { level: 'debug', format: 'human' }, true),
    ).toEqual({ level: 'warn', format: 'json' });
  });

  it('refuses a flag value it does not know, listing the ones it does', () => {
    expect(parseLogFlags({ 'log-level': 'debug', 'log-format': 'json' })).toEqual({
      logLevel: 'debug',
      logFormat: 'json',
    });
    expect(() => parseLogFlags({ 'log-level': 'verbose' })).toThrow(
      '--log-level "verbose" is not a level: use one of fatal, error, warn, info, debug, trace, silent',
    );
    expect(() => parseLogFlags({ 'log-format': 'pretty' })).toThrow(
      '--log-format "pretty" is not a format: use human or json',
    );
  });
});

describe('events through the logger', () => {
  it('tells a node going down and up once each, with the reason, in human lines', () => {
    const { logger, lines } = captured('human');
    const events = new EventLog(logger);
    events.nodeStatus(status());
    events.nodeStatus(status());
    events.nodeStatus(status({ pg: 'down', reason: 'PostgreSQL does not answer: connection refused' }));
    events.nodeStatus(status({ pg: 'down', reason: 'PostgreSQL does not answer: connection refused' }));
    events.nodeStatus(status());
    expect(lines().map((l) => l.slice(9))).toEqual([
      'INFO  lab/node2  node up (standby)',
      'WARN  lab/node2  node down: PostgreSQL does not answer: connection refused',
      'INFO  lab/node2  node up (standby)',
    ]);
  });

  it('tells a new reason while down, but not a node flapping between reasons all minute', () => {
    const { logger, lines } = captured('human');
    const events = new EventLog(logger, () => 0);
    events.nodeStatus(status({ pg: 'down', reason: 'connecting' }));
    events.nodeStatus(status({ pg: 'down', reason: 'password authentication failed for user "postgres"' }));
    for (let i = 0; i < 20; i++) events.nodeStatus(status({ pg: 'down', reason: `reason ${i % 2}` }));
    const told = lines().map((l) => l.slice(9));
    expect(told.slice(0, 2)).toEqual([
      'WARN  lab/node2  node down: connecting',
      'WARN  lab/node2  node down: password authentication failed for user "postgres"',
    ]);
    expect(told).toHaveLength(4);
  });

  it('writes JSON lines with a stable event name and fields for machines', () => {
    const { logger, lines } = captured('json');
    const events = new EventLog(logger);
    events.nodeStatus(status({ ssh: 'down', pg: 'down', reason: 'ssh: connection refused' }));
    const rec = JSON.parse(lines()[0] ?? '{}') as Record<string, unknown>;
    expect(rec).toMatchObject({
      level: 40,
      event: 'node.down',
      cluster: 'lab',
      node: 'node2',
      reason: 'ssh: connection refused',
      msg: 'node down: ssh: connection refused',
    });
    expect(typeof rec.time).toBe('number');
  });

  it('tells an operation start and end with type, node, outcome and duration', () => {
    const { logger, lines } = captured('human');
    const events = new EventLog(logger);
    const op = {
      id: '0123456789abcdef',
      cluster: 'lab',
      node: 'node2',
      type: 'restart',
      params: {},
      requestedBy: 'alice',
      state: 'running' as const,
      createdAt: '2026-12-05T10:00:00.000Z',
      finishedAt: null,
      message: 'restart on node2 is running',
      steps: [],
    };
    events.operationStarted(op);
    events.operationEnded({
      ...op,
      state: 'failed',
      finishedAt: '2026-12-05T10:00:02.500Z',
      message: 'restart on node2 failed at step 2',
    });
    expect(lines().map((l) => l.slice(9))).toEqual([
      'INFO  lab/node2  restart started by alice (operation 01234567)',
      'WARN  lab/node2  restart failed after 2.5 s: restart on node2 failed at step 2',
    ]);
  });

  it('tells a refused operation with who and why; "confirm first" only at debug level', () => {
    const { logger, lines } = captured('human');
    const events = new EventLog(logger);
    const req = {
      type: 'promote' as const,
      node: 'node2',
      params: { method: 'auto' as const },
      dryRun: false,
      confirm: false,
    };
    events.operationRefused({
      cluster: 'lab',
      req,
      by: 'alice',
      code: 'WB_ERR_CONFIRM_REQUIRED',
      message: 'promote on node2 needs confirm',
      askedToConfirm: true,
    });
    events.operationRefused({
      cluster: 'lab',
      req,
      by: 'bob',
      code: 'WB_ERR_CLUSTER_BUSY',
      message: 'cluster lab is busy',
    });
    expect(lines().map((l) => l.slice(9))).toEqual([
      'WARN  lab/node2  promote on node2 refused for bob: cluster lab is busy',
    ]);
  });

  it('tells an alert firing and resolving, and a webhook that failed, as JSON events without the URL', () => {
    const { logger, lines } = captured('json');
    const events = new EventLog(logger);
    const alert = {
      id: 'link/lab/node2/1',
      rule: 'link',
      kind: 'node-unreachable' as const,
      status: 'firing' as const,
      cluster: 'lab',
      node: 'node2',
      summary: 'node2 unreachable for 3 s',
      value: null,
      since: '2026-12-05T10:00:00.000Z',
      firedAt: '2026-12-05T10:00:03.000Z',
      resolvedAt: null,
    };
    events.alertChanged(alert);
    events.alertChanged({ ...alert, status: 'resolved', resolvedAt: '2026-12-05T10:01:00.000Z' });
    events.alertNotDelivered({
      cluster: 'lab',
      node: 'node2',
      rule: 'link',
      webhook: 'ops',
      attempts: 4,
      error: 'HTTP 500',
    });
    const recs = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recs.map((r) => [r.level, r.event, r.rule, r.node])).toEqual([
      [40, 'alert.fired', 'link', 'node2'],
      [30, 'alert.resolved', 'link', 'node2'],
      [40, 'alert.delivery-failed', 'link', 'node2'],
    ]);
    expect(recs[0]?.msg).toBe('alert firing: link: node2 unreachable for 3 s');
    expect(recs[2]?.msg).toBe('alert link: webhook "ops" failed after 4 attempt(s): HTTP 500');
  });

  it('tells a refused sign-in with user, address and reason; a flood is quiet after the first', () => {
    const { logger, lines } = captured('human');
    let now = 0;
    const events = new EventLog(logger, () => now);
    events.signInRefused({ user: 'admin', address: '10.1.2.3', reason: 'wrong password', limited: false });
    for (let i = 0; i < 50; i++)
      events.signInRefused({ user: 'admin', address: '10.1.2.3', reason: 'too many', limited: true });
    now = 61_000;
    events.signInRefused({ user: 'admin', address: '10.1.2.3', reason: 'too many', limited: true });
    events.signInRefused({ user: null, address: '10.1.2.4', reason: 'no such user', limited: false });
    expect(lines().map((l) => l.slice(9))).toEqual([
      'WARN  sign-in refused for "admin" from 10.1.2.3: wrong password',
      'WARN  sign-in refused for "admin" from 10.1.2.3: too many (repeats are quiet for 60 s)',
      'WARN  sign-in refused for "admin" from 10.1.2.3: too many (repeats are quiet for 60 s)',
      'WARN  sign-in refused for an unknown user name from 10.1.2.4: no such user',
    ]);
  });

  it('writes nothing below the level: HTTP-request lines (debug) only at debug', () => {
    const info = captured('human', 'info');
    info.logger.debug({ event: 'http.request' }, 'GET /api/health 200 1 ms');
    info.logger.info('shown');
    expect(info.lines().map((l) => l.slice(9))).toEqual(['INFO  shown']);
    const debug = captured('human', 'debug');
    debug.logger.debug({ event: 'http.request' }, 'GET /api/health 200 1 ms');
    expect(debug.lines().map((l) => l.slice(9))).toEqual(['DEBUG GET /api/health 200 1 ms']);
    const warn = captured('json', 'warn');
    warn.logger.info('hidden');
    warn.logger.warn('kept');
    expect(warn.lines()).toHaveLength(1);
  });

  it('masks password, token and cookie fields in JSON lines', () => {
    const { logger, lines } = captured('json');
    logger.info(
      {
        password: 'hunter22',
        body: { password: 'hunter33', token: 'tok-secret' },
        req: { headers: { cookie: 'wb=abc' } },
      },
      'careless line',
    );
    const text = lines().join('\n');
    for (const s of ['hunter22', 'hunter33', 'tok-secret', 'wb=abc']) expect(text).not.toContain(s);
    expect(text).toContain('[redacted]');
  });
});

describe('a failed start', () => {
  const problem = new ConfigError('/etc/walboard/walboard.yaml', [
    { line: 4, column: 9, field: 'clusters[0].nodes[0].name', message: 'must be 1–63 letters' },
  ]);
  const run = (err: unknown, format: 'human' | 'json') => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => {
      text += b.toString('utf8');
    });
    const code = reportStartFailure(err, { logFormat: format }, out);
    return { code, text };
  };

  it('names file, line and field of each config problem, in either format, and exits 2', () => {
    const human = run(problem, 'human');
    expect(human.code).toBe(2);
    expect(human.text).toContain(
      '/etc/walboard/walboard.yaml:4:9  clusters[0].nodes[0].name: must be 1–63 letters',
    );
    const json = run(problem, 'json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.text.trim())).toMatchObject({
      level: 50,
      event: 'config.invalid',
      file: '/etc/walboard/walboard.yaml',
      line: 4,
      field: 'clusters[0].nodes[0].name',
    });
  });

  it('exits 1 on anything else, saying it could not start', () => {
    const json = run(new Error('port in use'), 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.text.trim())).toMatchObject({
      level: 60,
      msg: 'walboard could not start: port in use',
    });
  });
});

describe('config warnings at start', () => {
  it('tells a password variable that is not set and an ssh node with no key to check', () => {
    const { logger, lines } = captured('human');
    const config = parseConfigText(
      '/etc/walboard/walboard.yaml',
      `clusters:
  - name: prod
    nodes:
      - name: db1
        host: 10.0.0.1
        ssh: { user: postgres, privateKeyPath: /k }
        postgres: { passwordEnv: PROD_PGPASSWORD, binDir: /b, dataDir: /d }
      - name: db2
        host: 10.0.0.2
        ssh: { user: postgres, privateKeyPath: /k }
        postgres: { passwordEnv: PROD_PGPASSWORD, binDir: /b, dataDir: /d }
`,
    );
    tellConfigWarnings(
      config,
      { PROD_PGPASSWORD: 'x'.repeat(20) },
      (_c, n) => n === 'db2',
      new EventLog(logger),
    );
    expect(lines().map((l) => l.slice(9))).toEqual([
      'WARN  prod/db1  config: no ssh.hostKey in walboard.yaml and none pinned: not connected until an admin compares and pins the key the server offers (Nodes page)',
    ]);
    const none = captured('json');
    tellConfigWarnings(config, {}, () => true, new EventLog(none.logger));
    expect(none.lines().map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
      { event: 'config.warning', cluster: 'prod', node: 'db1', level: 40 },
      { event: 'config.warning', cluster: 'prod', node: 'db2', level: 40 },
    ]);
    expect(none.lines().join('')).not.toContain('x'.repeat(20));
  });
});
