// The controller's store (password hashes, session tokens, the audit log) as another local user
// of the machine sees it: walboard.db, -wal and -shm are 0600 even when the data folder already
// existed with mode 0755 and walboard ran under umask 022; a folder others may write to is
// refused at start, naming the folder and the command that fixes it.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostsRun, up } from '../hosts/harness.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';

const run$ = promisify(execFile);
const STORE_FILES = ['walboard.db', 'walboard.db-wal', 'walboard.db-shm'];

/** Reads a file as the unprivileged user "nobody": what any other local account could do. */
async function readAsNobody(path: string): Promise<'read' | 'denied'> {
  try {
    await run$('runuser', ['-u', 'nobody', '--', 'cat', path]);
    return 'read';
  } catch {
    return 'denied';
  }
}

describe('the store on disk is private to walboard’s user', () => {
  let run: HostsRun;
  let wb: RunningWalboard | null = null;
  let umaskBefore: number;

  beforeAll(async () => {
    run = await up(1, [15]);
    umaskBefore = process.umask(0o022);
  });
  afterAll(async () => {
    process.umask(umaskBefore);
    await wb?.close();
    if (run) await down(run);
  });

  it('keeps walboard.db, -wal and -shm 0600 in a pre-existing 0755 folder under umask 022', async () => {
    const [h1] = run.hosts;
    if (!h1) throw new Error('the harness did not create h1');
    const dataDir = join(run.runDir, 'walboard-0755');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    // A control file beside the store: "nobody" can reach this folder, so a refusal below is
    // the files' own mode, not a closed parent folder.
    await writeFile(join(dataDir, 'probe'), 'readable\n', { mode: 0o644 });
    wb = await startWalboard({ ...configForHosts(run).config, dataDir }, h1.pg.password);
    // A second sign-in and a change: sessions and users are in the WAL now.
    const res = await fetch(`${wb.url}/api/users`, {
      method: 'POST',
      headers: wb.admin.mutation,
      body: JSON.stringify({ username: 'olga', password: 'olga-password-123', role: 'viewer' }),
    });
    expect(res.status).toBe(201);
    for (const f of STORE_FILES) {
      const path = join(dataDir, f);
      expect(existsSync(path), `${path} exists while walboard runs`).toBe(true);
      expect((statSync(path).mode & 0o777).toString(8), path).toBe('600');
    }
    expect(await readAsNobody(join(dataDir, 'probe'))).toBe('read');
    for (const f of STORE_FILES) expect(await readAsNobody(join(dataDir, f)), f).toBe('denied');
    await wb.close();
    wb = null;
  });

  for (const mode of [0o775, 0o777]) {
    it(`refuses to start on a data folder of mode ${mode.toString(8)}, naming it and the fix`, async () => {
      const [h1] = run.hosts;
      if (!h1) throw new Error('the harness did not create h1');
      const dataDir = join(run.runDir, `walboard-${mode.toString(8)}`);
      await mkdir(dataDir);
      await chmod(dataDir, mode);
      let message = '';
      try {
        wb = await startWalboard({ ...configForHosts(run).config, dataDir }, h1.pg.password);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(wb).toBeNull();
      expect(message).toContain(`the walboard data folder ${dataDir} is writable by`);
      expect(message).toContain(`chmod 700 ${dataDir}`);
      expect(existsSync(join(dataDir, 'walboard.db'))).toBe(false);
    });
  }
});
