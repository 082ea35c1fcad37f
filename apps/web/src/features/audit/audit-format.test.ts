import type { AuditEntry } from '@walboard/shared/audit';
import { describe, expect, it } from 'vitest';
import {
  actionFilter,
  appendOlder,
  auditDetailText,
  auditPath,
  auditTime,
  auditUser,
  oldestId,
} from './audit-format.ts';

const entry = (id: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  id,
  at: '2026-03-01T10:20:30.000Z',
  username: 'alice',
  source: '127.0.0.1',
  action: 'login',
  target: null,
  detail: {},
  result: 'ok',
  message: '',
  ...over,
});

describe('auditPath', () => {
  it('sends only what is set', () => {
    expect(auditPath({ limit: 100 })).toBe('/api/audit?limit=100');
    expect(auditPath({ limit: 50, before: 7, action: 'user.create' })).toBe(
      '/api/audit?limit=50&before=7&action=user.create',
    );
    expect(auditPath({ limit: 50, action: '' })).toBe('/api/audit?limit=50');
  });
});

describe('actionFilter', () => {
  it('accepts what the server accepts, and empty for "all"', () => {
    expect(actionFilter(' user.create ')).toBe('user.create');
    expect(actionFilter('hostkey.changed')).toBe('hostkey.changed');
    expect(actionFilter('')).toBe('');
  });

  it('refuses what the server would refuse, before sending', () => {
    for (const bad of ['User', '1login', 'login;drop', 'a b', "login'", '<b>']) {
      expect(actionFilter(bad), bad).toBeNull();
    }
  });
});

describe('row formatting', () => {
  it('shows the time in the given zone and language, with seconds', () => {
    expect(auditTime('2026-03-01T10:20:30.000Z', 'en-GB', 'UTC')).toBe('01/03/2026, 10:20:30');
    expect(auditTime('2026-03-01T10:20:30.000Z', 'es', 'Europe/Madrid')).toContain('11:20:30');
    expect(auditTime('not a date', 'en')).toBe('not a date');
  });

  it('shows "—" when nobody was signed in', () => {
    expect(auditUser(null)).toBe('—');
    expect(auditUser('bob')).toBe('bob');
  });

  it('shows the detail as JSON text, markup and all, and nothing for an empty one', () => {
    expect(auditDetailText({})).toBe('');
    expect(auditDetailText({ username: '<img src=x onerror=alert(1)>', n: 2 })).toBe(
      '{"username":"<img src=x onerror=alert(1)>","n":2}',
    );
  });
});

describe('paging back', () => {
  it('appends older entries without repeating any', () => {
    const shown = [entry(10), entry(9)];
    expect(appendOlder(shown, [entry(9), entry(8), entry(7)]).map((e) => e.id)).toEqual([10, 9, 8, 7]);
  });

  it('pages from the oldest id shown', () => {
    expect(oldestId([entry(10), entry(4), entry(9)])).toBe(4);
    expect(oldestId([])).toBeUndefined();
  });
});
