import { describe, expect, it } from 'vitest';
import {
  buildRequest,
  confirmedRun,
  emptyForm,
  errorFor,
  hasFields,
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
