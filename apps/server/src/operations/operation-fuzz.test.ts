import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { walboardConfigSchema } from '@walboard/shared/config';
import {
  OPERATION_TYPES,
  type OperationPlan,
  SETTING_NAMES,
  type SettingName,
} from '@walboard/shared/operations';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { buildSessions } from '../nodes/registry.ts';
import { parseConninfo } from '../postgres/conninfo.ts';
import { pgCtlArgv } from '../postgres/pg-ctl.ts';
import { parseConfigFile } from '../postgres/settings-file.ts';
import { openStore, type WalboardStore } from '../store/database.ts';
import { OperationStore } from '../store/operation-store.ts';
import { OperationRunner } from './operation-runner.ts';
import { operationTestApp, PublishedOperations } from './test-support.ts';

const isRoot = process.getuid?.() === 0;
const BIN = '/usr/lib/postgresql/15/bin';

/**
 * Random and hostile input at every operation type's fields, through the POST route. A node with
 * a real data-directory layout but no server behind it: planning reads it for real (pg_ctl
 * status, PG_VERSION, postgresql.conf), and dry runs keep the fuzz from changing anything.
 */
describe('fuzz: hostile operation requests are refused or planned from the fixed templates', () => {
  // Made while the suite is collected: the payload arbitraries below name canary paths inside it.
  const base = mkdtempSync('/var/tmp/walboard-ops-fuzz-');
  const canaryDir = join(base, 'canaries');
  const dataDir = join(base, 'data');
  let store: WalboardStore;
  let sessions: NodeSession[];
  let app: FastifyInstance;
  const counts = new Map<number, number>();

  beforeAll(async () => {
    chmodSync(base, 0o755);
    mkdirSync(dataDir, { mode: 0o755 });
    writeFileSync(join(dataDir, 'PG_VERSION'), '15\n', { mode: 0o644 });
    writeFileSync(join(dataDir, 'postgresql.conf'), "port = 5432\ncluster_name = 'fuzz'\n", { mode: 0o644 });
    writeFileSync(join(dataDir, 'postgresql.auto.conf'), '# auto\n', { mode: 0o644 });
    mkdirSync(canaryDir, { mode: 0o777 });
    chmodSync(canaryDir, 0o777);
    const config = walboardConfigSchema.parse({
      dataDir: join(base, 'state'),
      clusters: [
        {
          name: 'fz',
          nodes: [
            {
              name: 'db',
              transport: 'local',
              ...(isRoot ? { runAs: 'postgres' } : {}),
              postgres: { port: 1, host: '127.0.0.1', binDir: BIN, dataDir, logFile: join(base, 'pg.log') },
              archiveDir: join(base, 'archive'),
            },
          ],
        },
      ],
    });
    sessions = await buildSessions(config);
    store = openStore(join(base, 'state'));
    const audit = new AuditLog(store.audit);
    const published = new PublishedOperations();
    const runner = new OperationRunner({
      sessions,
      store: new OperationStore(store.db),
      audit,
      publish: published.publish,
    });
    app = await operationTestApp(runner, audit);
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all((sessions ?? []).map((s) => s.transport.close()));
    store?.close();
    rmSync(base, { recursive: true, force: true });
  });

  const canary = (n: string) => join(canaryDir, `c-${n}`);
  const shellPayloads = (n: string) => [
    `$(touch ${canary(n)})`,
    `\`touch ${canary(n)}\``,
    `; touch ${canary(n)}`,
    `x' ; touch ${canary(n)} ; '`,
    `"; touch ${canary(n)}; "`,
    `a\ntouch ${canary(n)}`,
    `| touch ${canary(n)}`,
    `&& touch ${canary(n)}`,
  ];
  const hostileFixed = [
    ...shellPayloads('1'),
    '-oProxyCommand=touch /tmp/pwn',
    '--help',
    '-D/etc',
    '../../etc/passwd',
    '/var/../etc',
    '/srv/%2e%2e/etc',
    'a\0b',
    '\u0000',
    '',
    ' ',
    "'",
    '\\',
    "''; DROP TABLE x; --",
    'ünïcødé',
    '\u202e\u200b',
    '\ud800',
    'x'.repeat(70_000),
    '/'.repeat(3),
    `/srv/ok $(touch ${canary('2')})`,
    '*',
    'on',
    '10',
    '512MB',
    ...['512MB\n', '10\r', '60 s\u2028', 'on\u0085', '1\tGB', '512\u00a0MB', '*\u3000', 'a\r\nport = 1'],
  ];
  const hostileString = fc.oneof(
    fc.constantFrom(...hostileFixed),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc
      .tuple(fc.constantFrom('/srv/', 'a', '-', '/', 'db'), fc.constantFrom(...hostileFixed))
      .map(([a, b]) => a + b),
  );
  /**
   * Line breaks, tabs and Unicode spaces: what `\s` in a rule would let through. Each one either
   * ends the line of postgresql.conf or is written into it as is.
   */
  const UNICODE_BLANKS = [
    '\n',
    '\r',
    '\r\n',
    '\t',
    '\v',
    '\f',
    '\u0085',
    '\u00a0',
    '\u1680',
    '\u2000',
    '\u2007',
    '\u200a',
    '\u2028',
    '\u2029',
    '\u202f',
    '\u205f',
    '\u3000',
    '\ufeff',
    '\u0000',
    '\u007f',
  ];
  /** A value each setting's own rule accepts, with spaces where the rule allows them. */
  const VALID_VALUE: Record<SettingName, string> = {
    listen_addresses: 'localhost, 10.0.0.1',
    wal_level: 'replica',
    max_wal_senders: '10',
    max_replication_slots: '10',
    wal_keep_size: '512 MB',
    wal_keep_segments: '64',
    archive_mode: 'on',
    archive_timeout: '60 s',
    hot_standby: 'on',
    hot_standby_feedback: 'off',
    synchronous_commit: 'remote_apply',
    synchronous_standby_names: 'FIRST 1 (a, b)',
    cluster_name: 'main cluster',
    recovery_target_timeline: 'latest',
    max_wal_size: '1 GB',
    min_wal_size: '80 MB',
    wal_log_hints: 'on',
  };
  /** A valid value with one blank put before, after, in the middle, or in place of its spaces. */
  const blankedValue = fc
    .record({
      name: fc.constantFrom(...SETTING_NAMES),
      blank: fc.constantFrom(...UNICODE_BLANKS),
      where: fc.constantFrom('before', 'after', 'middle', 'for-spaces'),
    })
    .map(({ name, blank, where }) => {
      const v = VALID_VALUE[name];
      const mid = Math.max(1, Math.floor(v.length / 2));
      const value =
        where === 'before'
          ? blank + v
          : where === 'after'
            ? v + blank
            : where === 'middle' || !v.includes(' ')
              ? v.slice(0, mid) + blank + v.slice(mid)
              : v.replaceAll(' ', blank);
      return { name, value };
    });
  const anyValue = fc.oneof(
    { weight: 5, arbitrary: hostileString },
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  );
  const or = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: valid }, anyValue);
  const validPath = fc
    .array(
      fc.stringMatching(/^[A-Za-z0-9_.,+@%=:-]{1,12}$/).filter((seg) => seg !== '..'),
      { minLength: 2, maxLength: 4 },
    )
    .map((parts) => `/srv/${parts.join('/')}`);
  const paramsFor: Record<string, fc.Arbitrary<unknown>> = {
    start: fc.constant({}),
    stop: fc.record({ mode: or(fc.constantFrom('smart', 'fast', 'immediate')) }, { requiredKeys: [] }),
    restart: fc.record({ mode: or(fc.constantFrom('smart', 'fast', 'immediate')) }, { requiredKeys: [] }),
    reload: fc.constant({}),
    'create-slot': fc.record({ slotName: or(fc.stringMatching(/^[a-z0-9_]{1,63}$/)) }),
    'drop-slot': fc.record({ slotName: or(fc.stringMatching(/^[a-z0-9_]{1,63}$/)) }),
    'prepare-archive-dir': fc.record({ path: or(validPath) }, { requiredKeys: [] }),
    'set-settings': fc.record({
      settings: fc.oneof(
        // Valid names with values each rule accepts, hostile where the rule allows (cluster_name).
        fc.record(
          {
            cluster_name: fc.oneof(
              fc.constantFrom(...hostileFixed.filter((h) => /^[\x20-\x7E]{0,63}$/.test(h))),
              fc.string({
                maxLength: 63,
                unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
              }),
            ),
            hot_standby: fc.constantFrom('on', 'off'),
            max_wal_size: fc.constantFrom('1GB', '512MB', '80'),
            synchronous_standby_names: fc.constantFrom('*', 'FIRST 1 (a, "b c")', ''),
          },
          { requiredKeys: [] },
        ),
        fc.dictionary(
          fc.oneof(fc.constantFrom(...SETTING_NAMES), hostileString),
          or(
            fc.oneof(
              fc.constantFrom('on', 'off', 'replica', '10', '512MB', '60s', 'latest', '*'),
              fc.string({ maxLength: 63 }),
              blankedValue.map((b) => b.value),
            ),
          ),
          { minKeys: 0, maxKeys: 3 },
        ),
      ),
    }),
    'set-standby-source': fc.record(
      {
        host: or(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/)),
        port: or(fc.integer({ min: 1, max: 65535 })),
        user: or(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/)),
        applicationName: or(fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/)),
        slotName: or(fc.stringMatching(/^[a-z0-9_]{1,20}$/)),
      },
      { requiredKeys: [] },
    ),
  };
  // The replication operations: node lists, names and choices, valid or hostile in every slot.
  const nodeName = or(fc.constantFrom('db', 'db2', 'h1'));
  const nodeList = or(fc.array(nodeName, { minLength: 0, maxLength: 4 }));
  const replicationUser = or(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/));
  const method = or(fc.constantFrom('pg_basebackup', 'lab'));
  Object.assign(paramsFor, {
    preflight: fc.record({ standbys: nodeList }),
    'link-nodes': fc.record({ standbys: nodeList }),
    'configure-primary': fc.record(
      { standbys: nodeList, slots: or(fc.boolean()), replicationUser },
      { requiredKeys: ['standbys'] },
    ),
    'base-backup': fc.record(
      { from: nodeName, method, replicationUser, overwriteInUse: or(fc.boolean()) },
      { requiredKeys: ['from'] },
    ),
    'configure-standby': fc.record(
      { primary: nodeName, slot: or(fc.stringMatching(/^[a-z0-9_]{1,20}$/)), replicationUser },
      { requiredKeys: ['primary'] },
    ),
    promote: fc.record(
      {
        method: or(fc.constantFrom('auto', 'trigger-file', 'pg_ctl', 'pg_promote')),
        fence: or(fc.constantFrom('stop-old-primary', 'confirmed-down')),
        confirmDown: nodeName,
      },
      { requiredKeys: [] },
    ),
    'clean-archive': fc.constant({}),
    'setup-replication': fc.record(
      { standbys: nodeList, method, slots: or(fc.boolean()), replicationUser },
      { requiredKeys: ['standbys'] },
    ),
    switchover: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, fc.constant({ node: '$(id)' })),
  } satisfies Record<string, fc.Arbitrary<unknown>>);
  const body = fc
    .tuple(
      fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...OPERATION_TYPES) }, anyValue),
      fc.oneof({ weight: 4, arbitrary: fc.constant('db') }, anyValue),
      fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, anyValue),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        fc.constant({ extra: '$(id)' }),
        fc.constant({ '-o': 'x' }),
      ),
      fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, anyValue),
    )
    .chain(([type, node, confirm, extra, dryRun]) =>
      (typeof type === 'string' && Object.hasOwn(paramsFor, type)
        ? (paramsFor[type] as fc.Arbitrary<unknown>)
        : anyValue
      ).map((params) => ({
        type,
        node,
        params,
        ...(confirm === undefined ? {} : { confirm }),
        // Valid requests stay dry runs: the fuzz plans, it never runs.
        dryRun: typeof dryRun === 'boolean' || dryRun === undefined ? true : dryRun,
        ...(extra ?? {}),
      })),
    );

  /** The structure every plan must have: program from config, fixed flags, each value in its own slot. */
  function checkPlan(sent: Record<string, unknown>, plan: OperationPlan): void {
    const params = (sent.params ?? {}) as Record<string, unknown>;
    expect(plan.node).toBe('db');
    const argvs = plan.steps.filter((s) => s.kind === 'command').map((s) => s.argv);
    switch (sent.type) {
      case 'start':
        expect(argvs).toEqual([pgCtlArgv({ binDir: BIN, dataDir, logFile: join(base, 'pg.log') }, 'start')]);
        expect(argvs[0]?.[0]).toBe(`${BIN}/pg_ctl`);
        break;
      case 'stop':
        expect(plan.steps).toEqual([]); // the fuzz node is not running: a no-op
        break;
      case 'restart':
        expect(argvs).toEqual([
          pgCtlArgv({ binDir: BIN, dataDir, logFile: join(base, 'pg.log') }, 'restart', [
            '-m',
            (params.mode as string) ?? 'fast',
          ]),
        ]);
        break;
      case 'prepare-archive-dir': {
        const p = (params.path as string | undefined) ?? join(base, 'archive');
        expect(argvs).toEqual([
          ['mkdir', '-p', '--', p],
          ['chmod', '700', '--', p],
        ]);
        break;
      }
      case 'set-settings': {
        expect(plan.steps.map((s) => s.kind)).toEqual(['file']);
        expect(plan.steps[0]?.file?.path).toBe(join(dataDir, 'postgresql.conf'));
        const added = plan.steps[0]?.file?.diff
          .split('\n')
          .filter((l) => l.startsWith('+') && !l.startsWith('+++'))
          .map((l) => l.slice(1))
          .join('\n');
        const parsed = parseConfigFile(added ?? '');
        expect(parsed.errors).toEqual([]);
        expect(Object.fromEntries(parsed.entries.map((e) => [e.name, e.value]))).toEqual(params.settings);
        break;
      }
      case 'set-standby-source': {
        const added = (plan.steps[0]?.file?.diff ?? '')
          .split('\n')
          .filter((l) => l.startsWith('+') && !l.startsWith('+++'));
        const parsed = parseConfigFile(added.map((l) => l.slice(1)).join('\n'));
        expect(parsed.errors).toEqual([]);
        const ci = parseConninfo(parsed.entries.find((e) => e.name === 'primary_conninfo')?.value ?? '');
        expect(Object.fromEntries(ci)).toEqual({
          host: params.host,
          port: String(params.port ?? 5432),
          user: params.user,
          application_name: params.applicationName,
        });
        expect(parsed.entries.find((e) => e.name === 'primary_slot_name')?.value).toBe(params.slotName);
        break;
      }
      default:
        throw new Error(`a dry run of ${String(sent.type)} on a stopped node should have been refused`);
    }
    for (const argv of argvs) for (const a of argv ?? []) expect(a).not.toMatch(/[\0\n]/);
  }

  it('every request is refused with 4xx (and audited when the body is invalid) or planned from its template', async () => {
    const before = store.audit.list({ limit: 1000, action: 'operation.refused' }).length;
    const planned = new Set<string>();
    const refusedByPlanner = new Set<string>();
    await fc.assert(
      fc.asyncProperty(body, async (sent) => {
        const res = await app.inject({ method: 'POST', url: '/api/clusters/fz/operations', payload: sent });
        counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
        expect([200, 400, 404, 409, 422], res.body).toContain(res.statusCode);
        if (res.statusCode === 200) {
          checkPlan(sent, res.json<{ plan: OperationPlan }>().plan);
          planned.add(String(sent.type));
        } else {
          expect(res.json<{ error: string }>().error).toMatch(/^WB_ERR_/);
          // Past the schema: the planner itself refused (no such node, impossible on this node).
          if (res.statusCode === 404 || res.statusCode === 422) refusedByPlanner.add(String(sent.type));
        }
      }),
      {
        numRuns: 500,
        // Always include one valid request of the rarer kinds, so every template is checked each run.
        examples: [
          [
            {
              type: 'set-standby-source',
              node: 'db',
              dryRun: true,
              params: { host: 'h1', user: 'rep', applicationName: 'db', slotName: 's' },
            },
          ],
          [
            {
              type: 'set-settings',
              node: 'db',
              dryRun: true,
              params: { settings: { cluster_name: "x'; DROP TABLE t; -- \\ $(id)" } },
            },
          ],
          [{ type: 'restart', node: 'db', dryRun: true, params: { mode: 'smart' } }],
          [{ type: 'promote', node: 'db', dryRun: true, params: { method: 'auto' } }],
          [{ type: 'clean-archive', node: 'db', dryRun: true, params: {} }],
          [{ type: 'preflight', node: 'db', dryRun: true, params: { standbys: ['db2'] } }],
          [{ type: 'link-nodes', node: 'db', dryRun: true, params: { standbys: ['db'] } }],
          [{ type: 'configure-primary', node: 'db', dryRun: true, params: { standbys: ['h1'] } }],
          [{ type: 'base-backup', node: 'db', dryRun: true, params: { from: 'db2', method: 'lab' } }],
          [{ type: 'configure-standby', node: 'db', dryRun: true, params: { primary: 'db' } }],
          [{ type: 'setup-replication', node: 'db', dryRun: true, params: { standbys: ['db2'] } }],
          [{ type: 'switchover', node: 'db', dryRun: true, params: {} }],
        ],
      },
    );
    const refused = store.audit.list({ limit: 1000, action: 'operation.refused' }).length - before;
    expect(refused).toBe(counts.get(400) ?? 0);
    // Both outcomes must really have happened, or the property proved nothing.
    expect(counts.get(200) ?? 0).toBeGreaterThan(20);
    expect(counts.get(400) ?? 0).toBeGreaterThan(60);
    expect([...planned].sort()).toEqual([
      'prepare-archive-dir',
      'restart',
      'set-settings',
      'set-standby-source',
      'start',
      'stop',
    ]);
    // Every replication type got past its schema at least once and was refused by its planner
    // (one stopped node: no copy, link, promotion or setup is possible), never with a 5xx.
    for (const t of [
      'preflight',
      'link-nodes',
      'configure-primary',
      'base-backup',
      'configure-standby',
      'promote',
      'clean-archive',
      'setup-replication',
      'switchover',
    ])
      expect(refusedByPlanner, t).toContain(t);
    console.log('fuzz status counts', Object.fromEntries(counts));
  }, 60_000);

  it('refuses every setting value with a line break, tab or Unicode space: 400 naming the setting', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(blankedValue, async ({ name, value }) => {
        const res = await app.inject({
          method: 'POST',
          url: '/api/clusters/fz/operations',
          payload: {
            type: 'set-settings',
            node: 'db',
            dryRun: true,
            params: { settings: { [name]: value } },
          },
        });
        // Never accepted, never a 500 from the config-file writer: a 400 that names the setting.
        expect(res.statusCode, JSON.stringify(value)).toBe(400);
        const body = res.json<{ error: string; message: string }>();
        expect(body.error).toBe('WB_ERR_INVALID_OPERATION');
        expect(body.message).toContain(`params.settings.${name}: ${name}: `);
        seen.add(name);
      }),
      { numRuns: 400 },
    );
    // The same value without the blank is accepted: the refusal is about the blank alone.
    for (const [name, value] of Object.entries(VALID_VALUE)) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/clusters/fz/operations',
        payload: { type: 'set-settings', node: 'db', dryRun: true, params: { settings: { [name]: value } } },
      });
      // wal_keep_segments does not exist on 15: refused by the planner (422), not by the schema.
      expect(res.statusCode, `${name}=${value} ${res.body}`).toBe(name === 'wal_keep_segments' ? 422 : 200);
    }
    expect(seen.size).toBeGreaterThan(10);
  }, 60_000);

  it('non-object bodies and hostile node names are refused and audited; no canary was ever created', async () => {
    for (const payload of [
      'null',
      '[]',
      '"stop"',
      '42',
      '{"type":"stop","node":"db","__proto__":{"confirm":true}}',
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/clusters/fz/operations',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode, payload).toBe(400);
    }
    for (const node of [...shellPayloads('3'), '-oProxyCommand=x', '../db', 'db\n']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/clusters/fz/operations',
        payload: { type: 'start', node },
      });
      expect(res.statusCode).toBe(400);
      expect(store.audit.list({ limit: 1, action: 'operation.refused' })[0]?.detail).toMatchObject({
        field: 'node',
        node,
      });
    }
    const hostileCluster = await app.inject({
      method: 'POST',
      url: `/api/clusters/${encodeURIComponent('$(id)')}/operations`,
      payload: { type: 'start', node: 'db' },
    });
    expect(hostileCluster.statusCode).toBe(404);
    for (const n of ['1', '2', '3']) expect(existsSync(canary(n)), canary(n)).toBe(false);
    expect(execFileSync('ls', ['-A', canaryDir], { encoding: 'utf8' })).toBe('');
  });
});
