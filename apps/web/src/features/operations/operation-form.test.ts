import { describe, expect, it } from 'vitest';
import {
  buildRequest,
  confirmedRun,
  emptyForm,
  errorFor,
  formFromOperation,
  hasFields,
  type NodeChoice,
  type OperationForm,
} from './operation-form.ts';

const dry = { dryRun: true, confirm: false };
const form = (patch: Partial<OperationForm> & Pick<OperationForm, 'type'>): OperationForm => ({
  ...emptyForm(patch.type, 'db1'),
  ...patch,
});

describe('buildRequest', () => {
  it('builds a dry run of start with no params', () => {
    expect(buildRequest(form({ type: 'start' }), dry)).toEqual({
      ok: true,
      request: { type: 'start', node: 'db1', dryRun: true, confirm: false, params: {} },
    });
  });

  it('takes the shutdown mode for stop and restart, and nothing else typed in other fields', () => {
    const r = buildRequest(form({ type: 'stop', mode: 'immediate', slotName: 'leftover', host: 'x' }), dry);
    expect(r).toEqual({
      ok: true,
      request: { type: 'stop', node: 'db1', dryRun: true, confirm: false, params: { mode: 'immediate' } },
    });
  });

  it('refuses slot names PostgreSQL would refuse, with the field and the rule', () => {
    for (const slotName of ['', 'Upper', 'a-b', 'x;id', '$(id)', 'a'.repeat(64)]) {
      const r = buildRequest(form({ type: 'create-slot', slotName }), dry);
      expect(r.ok, slotName).toBe(false);
      if (!r.ok) expect(errorFor(r.errors, 'slotName')?.rule).toBe('slotName');
    }
    const ok = buildRequest(form({ type: 'drop-slot', slotName: ' standby_1 ' }), dry);
    expect(ok.ok && ok.request.params).toEqual({ slotName: 'standby_1' });
  });

  it('leaves the archive path out when empty (server default) and refuses relative or ".." paths', () => {
    const def = buildRequest(form({ type: 'prepare-archive-dir', path: '' }), dry);
    expect(def.ok && def.request.params).toEqual({});
    for (const path of ['archive', '/var/lib/../../etc', '/a\nb']) {
      const r = buildRequest(form({ type: 'prepare-archive-dir', path }), dry);
      expect(r.ok, JSON.stringify(path)).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => [e.field, e.rule])).toEqual([['path', 'path']]);
    }
  });

  it('sends setting values exactly as typed, keyed by name', () => {
    const r = buildRequest(
      form({
        type: 'set-settings',
        settings: [
          { name: 'synchronous_standby_names', value: ' FIRST 1 (s1, "s 2")' },
          { name: 'wal_level', value: 'replica' },
        ],
      }),
      dry,
    );
    expect(r.ok && r.request.params).toEqual({
      settings: { synchronous_standby_names: ' FIRST 1 (s1, "s 2")', wal_level: 'replica' },
    });
  });

  it("refuses quote-laden or SQL-looking values by the setting's own rule, on its row", () => {
    const r = buildRequest(
      form({
        type: 'set-settings',
        settings: [
          { name: 'wal_level', value: 'replica' },
          { name: 'synchronous_standby_names', value: "s1'; archive_command = 'id" },
        ],
      }),
      dry,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatchObject({
        field: 'settings.1.value',
        rule: 'settingValue',
        setting: 'synchronous_standby_names',
      });
      // The setting's name is said by the page; the rule's detail is kept without repeating it.
      expect(r.errors[0]?.message.startsWith('synchronous_standby_names')).toBe(false);
    }
  });

  it('refuses a setting given twice, and names the row and the setting', () => {
    const r = buildRequest(
      form({
        type: 'set-settings',
        settings: [
          { name: 'wal_level', value: 'replica' },
          { name: 'wal_level', value: 'logical' },
        ],
      }),
      dry,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual([
        expect.objectContaining({ field: 'settings.1.name', rule: 'settingDuplicate', setting: 'wal_level' }),
      ]);
    }
  });

  it('maps a too-long setting value to its row', () => {
    const r = buildRequest(
      form({
        type: 'set-settings',
        settings: [
          { name: 'wal_level', value: 'replica' },
          { name: 'cluster_name', value: 'x'.repeat(1025) },
        ],
      }),
      dry,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => [e.field, e.rule, e.setting])).toEqual([
        ['settings.1.value', 'settingValue', 'cluster_name'],
      ]);
    }
  });

  it('refuses a setting name outside the allowlist even if the select was tampered with', () => {
    const bad = {
      name: 'archive_command',
      value: 'rm -rf /',
    } as unknown as OperationForm['settings'][number];
    const r = buildRequest(form({ type: 'set-settings', settings: [bad] }), dry);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(errorFor(r.errors, 'settings.0.name')?.rule).toBe('settingName');
  });

  it('builds set-standby-source with a numeric port and leaves an empty slot out', () => {
    const r = buildRequest(
      form({ type: 'set-standby-source', host: '10.0.0.5', port: '5433', user: 'replicator', slotName: '' }),
      { dryRun: false, confirm: true },
    );
    expect(r).toEqual({
      ok: true,
      request: {
        type: 'set-standby-source',
        node: 'db1',
        dryRun: false,
        confirm: true,
        params: { host: '10.0.0.5', port: 5433, user: 'replicator', applicationName: 'db1' },
      },
    });
  });

  it('reports every bad standby-source field at once, each with its rule', () => {
    const r = buildRequest(
      form({
        type: 'set-standby-source',
        host: '-oProxyCommand=id',
        port: '70000',
        user: 'rep;id',
        applicationName: '`id`',
        slotName: 'BAD',
      }),
      dry,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(Object.fromEntries(r.errors.map((e) => [e.field, e.rule]))).toEqual({
        host: 'host',
        port: 'port',
        user: 'name',
        applicationName: 'name',
        slotName: 'slotName',
      });
    }
  });

  it('refuses a port that is not a whole number instead of guessing', () => {
    for (const port of ['54 32', '5432.5', 'abc', '-1']) {
      const r = buildRequest(form({ type: 'set-standby-source', host: 'h', user: 'u', port }), dry);
      expect(r.ok, port).toBe(false);
      if (!r.ok) expect(errorFor(r.errors, 'port')?.rule).toBe('port');
    }
    const empty = buildRequest(form({ type: 'set-standby-source', host: 'h', user: 'u', port: '' }), dry);
    expect(empty.ok && empty.request.params).toMatchObject({ port: 5432 });
  });
});

describe('confirmedRun', () => {
  it('turns the planned request into the confirmed run, without changing a field', () => {
    const built = buildRequest(form({ type: 'drop-slot', slotName: 's1' }), dry);
    if (!built.ok) throw new Error('expected a valid request');
    expect(confirmedRun(built.request)).toEqual({ ...built.request, dryRun: false, confirm: true });
    expect(built.request.dryRun).toBe(true);
  });
});

describe('hasFields', () => {
  it('is false only for the operations without parameters', () => {
    expect(hasFields('start')).toBe(false);
    expect(hasFields('reload')).toBe(false);
    expect(hasFields('stop')).toBe(true);
    expect(hasFields('set-settings')).toBe(true);
  });
});

const lab: NodeChoice[] = [
  { name: 'h1', role: 'primary' },
  { name: 'h2', role: 'standby' },
  { name: 'h3', role: 'standby' },
];
/** A form on `node` of the three-node lab above, with the page's defaults. */
const on = (node: string, patch: Partial<OperationForm> & Pick<OperationForm, 'type'>): OperationForm => ({
  ...emptyForm(patch.type, node, lab),
  ...patch,
});
const paramsOf = (f: OperationForm) => {
  const r = buildRequest(f, dry);
  if (!r.ok) throw new Error(`expected a valid request, got ${JSON.stringify(r.errors)}`);
  return r.request.params;
};
const errorsOf = (f: OperationForm) => {
  const r = buildRequest(f, dry);
  if (r.ok) throw new Error('expected errors');
  return Object.fromEntries(r.errors.map((e) => [e.field, e.rule]));
};

describe('emptyForm with the cluster nodes', () => {
  it('offers every other node as standby and the other primary as source', () => {
    const f = emptyForm('setup-replication', 'h1', lab);
    expect(f.standbys).toEqual(['h2', 'h3']);
    const s = emptyForm('base-backup', 'h3', lab);
    expect([s.from, s.primary]).toEqual(['h1', 'h1']);
    expect(s.replicationUser).toBe('replicator');
  });

  it('falls back to the first other node when no other node is a primary, and to nothing alone', () => {
    expect(emptyForm('configure-standby', 'h1', lab).primary).toBe('h2');
    expect(emptyForm('configure-standby', 'h1', [{ name: 'h1', role: 'primary' }]).primary).toBe('');
    expect(emptyForm('preflight', 'h1').standbys).toEqual([]);
  });
});

describe('buildRequest (replication operations)', () => {
  it('builds preflight and link-nodes from the checked standbys', () => {
    expect(paramsOf(on('h1', { type: 'preflight', standbys: ['h3'] }))).toEqual({ standbys: ['h3'] });
    expect(paramsOf(on('h1', { type: 'link-nodes' }))).toEqual({ standbys: ['h2', 'h3'] });
  });

  it('refuses an empty standby list on the standbys field, and the node itself as its standby', () => {
    for (const type of ['preflight', 'link-nodes', 'configure-primary', 'setup-replication'] as const) {
      expect(errorsOf(on('h1', { type, standbys: [] })), type).toEqual({ standbys: 'standbys' });
    }
    expect(errorsOf(on('h1', { type: 'preflight', standbys: ['h1', 'h2'] }))).toEqual({
      standbys: 'otherNode',
    });
  });

  it('keeps the schema words for a node named twice (no rule of the page fits)', () => {
    const r = buildRequest(on('h1', { type: 'preflight', standbys: ['h2', 'h2'] }), dry);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toEqual([{ field: 'standbys', rule: null, message: 'each node may be named once' }]);
  });

  it('builds configure-primary with slots and the replication role, empty role meaning the default', () => {
    expect(paramsOf(on('h1', { type: 'configure-primary', slots: true, replicationUser: ' rep ' }))).toEqual({
      standbys: ['h2', 'h3'],
      slots: true,
      replicationUser: 'rep',
    });
    expect(paramsOf(on('h1', { type: 'configure-primary', replicationUser: '' }))).toMatchObject({
      replicationUser: 'replicator',
    });
    expect(errorsOf(on('h1', { type: 'configure-primary', replicationUser: 'rep;id' }))).toEqual({
      replicationUser: 'name',
    });
  });

  it('builds setup-replication with its copy method', () => {
    expect(paramsOf(on('h1', { type: 'setup-replication', standbys: ['h2'], backupMethod: 'lab' }))).toEqual({
      standbys: ['h2'],
      method: 'lab',
      slots: false,
      replicationUser: 'replicator',
    });
  });

  it('builds base-backup from another node, and refuses no node or the node itself', () => {
    expect(paramsOf(on('h2', { type: 'base-backup', overwriteInUse: true }))).toEqual({
      from: 'h1',
      method: 'pg_basebackup',
      replicationUser: 'replicator',
      overwriteInUse: true,
    });
    expect(errorsOf(on('h2', { type: 'base-backup', from: '' }))).toEqual({ from: 'pickNode' });
    expect(errorsOf(on('h2', { type: 'base-backup', from: 'h2' }))).toEqual({ from: 'otherNode' });
  });

  it('builds configure-standby, leaving an empty slot out and refusing a bad slot name on its field', () => {
    expect(paramsOf(on('h2', { type: 'configure-standby', slot: '' }))).toEqual({
      primary: 'h1',
      replicationUser: 'replicator',
    });
    expect(paramsOf(on('h2', { type: 'configure-standby', slot: ' h2_slot ' }))).toMatchObject({
      slot: 'h2_slot',
    });
    expect(errorsOf(on('h2', { type: 'configure-standby', slot: 'Bad-Slot' }))).toEqual({ slot: 'slotName' });
    expect(errorsOf(on('h2', { type: 'configure-standby', primary: 'h2' }))).toEqual({
      primary: 'otherNode',
    });
  });

  it('builds rejoin with the new primary, and refuses the node itself as its new primary', () => {
    expect(paramsOf(on('h1', { type: 'rejoin', primary: 'h2' }))).toEqual({
      primary: 'h2',
      replicationUser: 'replicator',
    });
    expect(errorsOf(on('h1', { type: 'rejoin', primary: 'h1' }))).toEqual({ primary: 'otherNode' });
  });

  it('builds promote without a fence by default, and with the fence picked', () => {
    expect(paramsOf(on('h2', { type: 'promote' }))).toEqual({ method: 'auto' });
    expect(
      paramsOf(on('h2', { type: 'promote', promoteMethod: 'pg_ctl', fence: 'stop-old-primary' })),
    ).toEqual({
      method: 'pg_ctl',
      fence: 'stop-old-primary',
    });
  });

  it('asks for the typed old primary name with confirmed-down, on that field', () => {
    for (const confirmDown of ['', '   ']) {
      expect(errorsOf(on('h2', { type: 'promote', fence: 'confirmed-down', confirmDown }))).toEqual({
        confirmDown: 'confirmDown',
      });
    }
    expect(paramsOf(on('h2', { type: 'promote', fence: 'confirmed-down', confirmDown: ' h1 ' }))).toEqual({
      method: 'auto',
      fence: 'confirmed-down',
      confirmDown: 'h1',
    });
    expect(errorsOf(on('h2', { type: 'promote', fence: 'confirmed-down', confirmDown: 'h1;id' }))).toEqual({
      confirmDown: 'name',
    });
  });

  it('never sends a name typed for confirmed-down with another fence', () => {
    expect(paramsOf(on('h2', { type: 'promote', fence: 'none', confirmDown: 'h1' }))).toEqual({
      method: 'auto',
    });
    expect(paramsOf(on('h2', { type: 'promote', fence: 'stop-old-primary', confirmDown: 'h1' }))).toEqual({
      method: 'auto',
      fence: 'stop-old-primary',
    });
  });

  it('builds clean-archive with no params and plans it without a form', () => {
    expect(paramsOf(on('h1', { type: 'clean-archive' }))).toEqual({});
    expect(hasFields('clean-archive')).toBe(false);
    expect(hasFields('promote')).toBe(true);
  });
});

describe('formFromOperation (Plan again)', () => {
  const requests = [
    on('h1', { type: 'setup-replication', standbys: ['h3'], backupMethod: 'lab', slots: true }),
    on('h1', { type: 'configure-primary', replicationUser: 'rep' }),
    on('h2', { type: 'base-backup', from: 'h3', overwriteInUse: true }),
    on('h2', { type: 'configure-standby', slot: 'h2_slot' }),
    on('h2', { type: 'promote', promoteMethod: 'pg_promote', fence: 'confirmed-down', confirmDown: 'h1' }),
    on('h1', { type: 'set-standby-source', host: '10.0.0.5', port: '5433', user: 'rep', slotName: 's' }),
    on('h1', { type: 'set-settings', settings: [{ name: 'wal_level', value: 'replica' }] }),
    on('h1', { type: 'restart', mode: 'immediate' }),
    on('h1', { type: 'prepare-archive-dir', path: '/srv/wal' }),
    on('h1', { type: 'clean-archive' }),
  ].map((f) => {
    const r = buildRequest(f, dry);
    if (!r.ok) throw new Error(`fixture ${f.type} is invalid`);
    return r.request;
  });

  it('gives back a form that builds the same request', () => {
    for (const request of requests) {
      const form = formFromOperation(request, lab);
      expect(form, request.type).not.toBeNull();
      if (form) expect(buildRequest(form, dry), request.type).toEqual({ ok: true, request });
    }
  });

  it('is null for a type this page does not know, and ignores values of the wrong shape', () => {
    expect(formFromOperation({ type: 'format-disk', node: 'h1', params: {} })).toBeNull();
    const f = formFromOperation(
      { type: 'promote', node: 'h2', params: { method: 'magic', fence: 7, standbys: 'h1' } },
      lab,
    );
    expect(f).toMatchObject({ promoteMethod: 'auto', fence: 'none', standbys: ['h1', 'h3'] });
  });
});
