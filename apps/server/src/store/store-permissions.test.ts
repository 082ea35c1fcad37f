// The store holds password hashes and session tokens: another local user must not read it, nor
// be able to swap it. Checked as an attacker on the same machine would: by the files' modes.
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, STORE_FILE } from './database.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('walboard store file modes', () => {
  let dir: string;
  let umaskBefore: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'walboard-store-modes-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  // The usual umask of a login shell: new files would come out 0644 without walboard's care.
  beforeEach(() => {
    umaskBefore = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umaskBefore);
  });

  it('creates walboard.db, -wal and -shm 0600 in an existing 0755 folder under umask 022', async () => {
    const dataDir = join(dir, 'existing');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    const store = openStore(dataDir);
    try {
      // A write, so the WAL holds data (session tokens, password hashes live there too).
      store.lag.write([{ cluster: 'lab', standby: 'h2', t: 1_000, replayBytes: 1, replaySeconds: 0 }], 1_000);
      for (const suffix of ['', '-wal', '-shm']) {
        const file = join(dataDir, STORE_FILE + suffix);
        expect(existsSync(file), `${file} exists while the store is open`).toBe(true);
        expect(modeOf(file).toString(8), file).toBe('600');
      }
      // The umask of the process is left as it was.
      expect(process.umask()).toBe(0o022);
    } finally {
      store.close();
    }
    // The folder itself is not changed (0755 is not writable by others: accepted as it is).
    expect(modeOf(dataDir).toString(8)).toBe('755');
  });

  it('narrows a store left 0644 by an older walboard to 0600', async () => {
    const dataDir = join(dir, 'older');
    await mkdir(dataDir, { mode: 0o700 });
    openStore(dataDir).close();
    const file = join(dataDir, STORE_FILE);
    await chmod(file, 0o644);
    await writeFile(`${file}-wal`, '');
    await chmod(`${file}-wal`, 0o644);
    const store = openStore(dataDir);
    try {
      for (const suffix of ['', '-wal', '-shm']) expect(modeOf(file + suffix).toString(8)).toBe('600');
    } finally {
      store.close();
    }
  });

  it('creates a missing data folder 0700', () => {
    const dataDir = join(dir, 'fresh', 'state');
    openStore(dataDir).close();
    expect(modeOf(dataDir).toString(8)).toBe('700');
    expect(modeOf(join(dataDir, STORE_FILE)).toString(8)).toBe('600');
  });

  for (const [mode, who] of [
    [0o777, 'its group and other users'],
    [0o775, 'its group'],
    [0o757, 'other users'],
  ] as const) {
    it(`refuses to start on a data folder of mode ${mode.toString(8)}, naming it and the fix`, async () => {
      const dataDir = join(dir, `open-${mode.toString(8)}`);
      await mkdir(dataDir);
      await chmod(dataDir, mode);
      let message = '';
      try {
        openStore(dataDir).close();
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain(`the walboard data folder ${dataDir} is writable by ${who}`);
      expect(message).toContain(`chmod 700 ${dataDir}`);
      // Nothing was written into the folder it refused.
      expect(existsSync(join(dataDir, STORE_FILE))).toBe(false);
    });
  }
});
