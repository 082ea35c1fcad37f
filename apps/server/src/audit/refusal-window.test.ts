import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type WalboardStore } from '../store/database.ts';
import { AuditLog } from './audit-log.ts';
import { RefusalWindows } from './refusal-window.ts';

describe('RefusalWindows', () => {
  let dir: string;
  let store: WalboardStore;
  let now: number;
  let windows: RefusalWindows;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'walboard-refusals-'));
    store = openStore(dir);
    now = Date.parse('2026-06-01T12:00:00.000Z');
    windows = new RefusalWindows(
      new AuditLog(store.audit),
      { windowMs: 60_000, flushMs: 60_000, maxOpen: 3 },
      () => now,
    );
  });
  afterEach(() => {
    windows.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refuse = (source: string, key = `address|${source}`) =>
    windows.refuse(key, source, {
      source,
      action: 'login',
      target: null,
      detail: { limit: 'address' },
      result: 'refused',
      message: 'too many failed sign-ins',
    });
  const rows = () => store.audit.list({ limit: 1000 });

  it('writes the first refusal at once and counts the rest of the window into it', () => {
    refuse('10.0.0.1');
    expect(rows()).toHaveLength(1);
    expect(rows()[0]?.detail.count).toBe(1);
    for (let i = 0; i < 5999; i++) refuse('10.0.0.1');
    windows.flush();
    const [row] = rows();
    expect(rows()).toHaveLength(1);
    expect(row?.detail.count).toBe(6000);
    expect(row?.message).toMatch(/refused 6000 times/);
  });

  it('opens a new row when the window is over, and one row per source', () => {
    refuse('10.0.0.1');
    refuse('10.0.0.2');
    now += 30_000;
    refuse('10.0.0.1');
    now += 31_000;
    refuse('10.0.0.1');
    windows.close();
    const bySource = rows().filter((r) => r.source === '10.0.0.1');
    expect(bySource.map((r) => r.detail.count)).toEqual([1, 2]);
    expect(rows()).toHaveLength(3);
  });

  it('lists the addresses of an account-wide row and counts the distinct ones', () => {
    for (let i = 0; i < 50; i++) refuse(`192.0.2.${i}`, 'account|victim');
    windows.flush();
    const [row] = rows();
    expect(rows()).toHaveLength(1);
    expect(row?.detail.count).toBe(50);
    expect(row?.detail.distinctSources).toBe(50);
    expect(row?.detail.sources).toHaveLength(20);
  });

  it('shares one overflow row once too many windows are open', () => {
    for (let i = 0; i < 100; i++) refuse(`198.51.100.${i}`);
    windows.flush();
    expect(rows()).toHaveLength(4);
    const overflow = rows().find((r) => r.source === 'many addresses');
    expect(overflow?.detail.count).toBe(97);
  });
});
