import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from './database.ts';
import { HostKeyStore } from './host-key-store.ts';

const FP_A = `SHA256:${'A'.repeat(43)}`;
const FP_B = `SHA256:${'B'.repeat(43)}`;

describe('HostKeyStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'walboard-hostkeys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps one pin per node, replaces it when pinned again, and survives reopening', () => {
    const store = openStore(dir);
    try {
      const keys = new HostKeyStore(store.db);
      expect(keys.get('c1', 'n1')).toBeNull();
      keys.set({
        cluster: 'c1',
        node: 'n1',
        fingerprint: FP_A,
        pinnedBy: 'alice',
        pinnedAt: '2025-01-01T00:00:00.000Z',
      });
      keys.set({
        cluster: 'c2',
        node: 'n1',
        fingerprint: FP_A,
        pinnedBy: 'alice',
        pinnedAt: '2025-01-01T00:00:00.000Z',
      });
      keys.set({
        cluster: 'c1',
        node: 'n1',
        fingerprint: FP_B,
        pinnedBy: 'bob',
        pinnedAt: '2025-02-02T00:00:00.000Z',
      });
      expect(keys.get('c1', 'n1')).toEqual({
        cluster: 'c1',
        node: 'n1',
        fingerprint: FP_B,
        pinnedBy: 'bob',
        pinnedAt: '2025-02-02T00:00:00.000Z',
      });
      expect(keys.get('c1', 'n2')).toBeNull();
    } finally {
      store.close();
    }
    const again = openStore(dir);
    try {
      const list = new HostKeyStore(again.db).list();
      expect(list.map((k) => [k.cluster, k.node, k.fingerprint, k.pinnedBy])).toEqual([
        ['c1', 'n1', FP_B, 'bob'],
        ['c2', 'n1', FP_A, 'alice'],
      ]);
    } finally {
      again.close();
    }
  });
});
