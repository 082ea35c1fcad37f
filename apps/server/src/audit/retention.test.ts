import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type WalboardStore } from '../store/database.ts';
import { AuditLog } from './audit-log.ts';
import { pruneAudit, startAuditRetention } from './retention.ts';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const DAY = 24 * 3600_000;

describe('audit retention', () => {
  let dir: string;
  let store: WalboardStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'walboard-retention-'));
    store = openStore(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const add = (daysAgo: number, message: string) =>
    store.audit.append({
      at: new Date(NOW - daysAgo * DAY).toISOString(),
      username: 'admin',
      source: '127.0.0.1',
      action: 'user.create',
      target: null,
      detail: {},
      result: 'ok',
      message,
    });
  const messages = () =>
    store.db
      .prepare<[], { message: string }>('SELECT message FROM audit')
      .all()
      .map((r) => r.message);

  it('deletes rows older than retentionDays, keeps newer ones, and audits the deletion', () => {
    add(400, 'very old');
    add(91, 'just too old');
    add(89, 'just young enough');
    add(0, 'today');
    const deleted = pruneAudit(store.audit, new AuditLog(store.audit), { retentionDays: 90 }, NOW);
    expect(deleted).toBe(2);
    const left = messages();
    expect(left).toContain('just young enough');
    expect(left).toContain('today');
    expect(left).not.toContain('very old');
    expect(left).not.toContain('just too old');
    const prune = store.audit.list({ limit: 10, action: 'audit.prune' });
    expect(prune).toHaveLength(1);
    expect(prune[0]?.detail).toMatchObject({ deletedOld: 2, deletedOverMax: 0 });
  });

  it('keeps at most maxRows, the newest', () => {
    for (let i = 0; i < 1200; i++) add(1, `row ${i}`);
    const deleted = pruneAudit(
      store.audit,
      new AuditLog(store.audit),
      { retentionDays: 90, maxRows: 1000 },
      NOW,
    );
    expect(deleted).toBe(200);
    const left = messages();
    // 1000 kept rows and the prune's own entry.
    expect(store.audit.count()).toBe(1001);
    expect(left).toContain('row 1199');
    expect(left).toContain('row 200');
    expect(left).not.toContain('row 199');
  });

  it('writes nothing when nothing is old', () => {
    add(1, 'recent');
    expect(pruneAudit(store.audit, new AuditLog(store.audit), { retentionDays: 90 }, NOW)).toBe(0);
    expect(store.audit.count()).toBe(1);
  });

  it('runs at start and then on its interval, and stops', async () => {
    let runs = 0;
    const job = startAuditRetention(
      () => {
        runs += 1;
      },
      () => {},
      20,
    );
    expect(runs).toBe(1);
    await new Promise((r) => setTimeout(r, 70));
    job.stop();
    const seen = runs;
    expect(seen).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(seen);
  });
});
