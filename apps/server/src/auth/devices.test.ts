import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type WalboardStore } from '../store/database.ts';
import { DeviceStore } from '../store/device-store.ts';
import { UserStore } from '../store/user-store.ts';
import { DEVICE_MAX_AGE_MS, Devices } from './devices.ts';

describe('device cookies', () => {
  let dir: string;
  let store: WalboardStore;
  let now: number;
  let devices: Devices;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'walboard-devices-'));
    store = openStore(dir);
    const users = new UserStore(store.db);
    for (const username of ['alice', 'bob']) {
      users.create({ username, role: 'viewer', clusters: null, passwordHash: 'x' });
    }
    now = 1_700_000_000_000;
    devices = new Devices(new DeviceStore(store.db), () => now);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is valid for its own user only, and the store holds no token', () => {
    const token = devices.remember(undefined, 'alice');
    expect(devices.validFor(token, 'alice')).toMatch(/^[0-9a-f]{64}$/);
    expect(devices.validFor(token, 'bob')).toBeNull();
    expect(devices.validFor('forged', 'alice')).toBeNull();
    expect(devices.validFor(undefined, 'alice')).toBeNull();
    const rows = store.db.prepare('SELECT * FROM login_devices').all();
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("keeps a browser's token for the same user and gives a new one for another user", () => {
    const token = devices.remember(undefined, 'alice');
    expect(devices.remember(token, 'alice')).toBe(token);
    const other = devices.remember(token, 'bob');
    expect(other).not.toBe(token);
    expect(devices.validFor(other, 'bob')).not.toBeNull();
  });

  it('expires after 180 days unused, and goes with its user', () => {
    const token = devices.remember(undefined, 'alice');
    now += DEVICE_MAX_AGE_MS + 1;
    expect(devices.validFor(token, 'alice')).toBeNull();
    expect(devices.sweep()).toBe(1);
    const bobs = devices.remember(undefined, 'bob');
    new UserStore(store.db).delete('bob');
    expect(devices.validFor(bobs, 'bob')).toBeNull();
  });
});
