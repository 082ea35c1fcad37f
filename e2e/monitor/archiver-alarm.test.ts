// The archiver alarm on real primaries (PostgreSQL 10 and 18): an archive_command that fails
// turns `failing` on, with the archiver's own error line from the server log; fixing the command
// (reload) turns it off again. WAL waiting to be archived shows as .ready files meanwhile.
import type { ClusterMonitor } from '@walboard/server/src/monitor/cluster-monitor.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostsRun } from '../hosts/harness.ts';
import { closeWalboardWithin } from '../support/close-walboard.ts';
import {
  buildStandby,
  enableArchiving,
  setArchiveCommand,
  switchWal,
  upPairs,
  type VersionPair,
} from '../support/replication.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';
import { linkOf, waitForLinks, waitForStatus } from './wait.ts';

const VERSIONS = [10, 18] as const;

describe('archiver alarm (PostgreSQL 10 and 18)', () => {
  let run: HostsRun;
  let wb: RunningWalboard;
  let monitor: ClusterMonitor;
  let pairs: VersionPair[] = [];

  beforeAll(async () => {
    ({ run, pairs } = await upPairs(VERSIONS));
    await Promise.all(
      pairs.map((p) =>
        buildStandby(run, p.primary, p.standby, { restoreFromArchiveDir: p.standby.archiveDir }),
      ),
    );
    await Promise.all(pairs.map((p) => enableArchiving(run, p.primary, '/bin/false')));
    const { config } = configForHosts(run);
    wb = await startWalboard(config, run.hosts[0]?.pg.password ?? '');
    monitor = wb.app.monitor;
  });

  afterAll(async () => {
    await closeWalboardWithin(wb);
    if (run) await down(run);
  });

  for (const [i, version] of VERSIONS.entries()) {
    describe(`PostgreSQL ${version}`, () => {
      const pair = () => {
        const p = pairs[i];
        if (!p) throw new Error('pair not built');
        return p;
      };

      it('a failing archive_command raises the alarm with the failure line from the log', async () => {
        const { primary } = pair();
        await switchWal(run, primary);
        const st = await waitForStatus(
          monitor,
          'lab',
          primary.name,
          (s) => s.archiver?.failing === true && s.archiver.lastError !== null,
          20_000,
          'failing archiver with its error line',
        );
        expect(st.archiver?.failedCount).toBeGreaterThanOrEqual(1);
        expect(st.archiver?.lastFailedWal).toMatch(/^[0-9A-F]{24}$/);
        expect(st.archiver?.lastError).toMatch(/archive command failed with exit code 1/);
        expect(st.archiver?.lastError).toMatch(/DETAIL: {2}The failed archive command was: \/bin\/false/);
        expect(st.readyFiles).toBeGreaterThanOrEqual(1);
        // The log is read once per NEW failure, never per poll.
        const poller = monitor.poller('lab', primary.name);
        expect(poller?.archiveLogLookups).toBeGreaterThanOrEqual(1);
        expect(poller?.archiveLogLookups).toBeLessThanOrEqual(st.archiver?.failedCount ?? 0);
        expect(poller?.pollCount).toBeGreaterThan(poller?.archiveLogLookups ?? 0);
      });

      it('fixing archive_command (reload) clears the alarm and empties the .ready queue', async () => {
        const { primary, standby } = pair();
        await setArchiveCommand(run, primary, `rsync -a %p ${standby.name}:${standby.archiveDir}/%f`);
        // A new segment wakes the archiver at once (on 10 a reload alone waits up to 60 s).
        await switchWal(run, primary);
        const st = await waitForStatus(
          monitor,
          'lab',
          primary.name,
          (s) => s.archiver?.failing === false && (s.archiver?.archivedCount ?? 0) >= 1 && s.readyFiles === 0,
          30_000,
          'archiver back to normal',
        );
        expect(st.archiver?.lastError).toBeNull();
        expect(st.archiver?.lastArchivedWal).toMatch(/^[0-9A-F]{24}$/);
      });

      it('marks the standby that restores from the archive (restore_command: 12+ only)', async () => {
        const { standby } = pair();
        const link = await waitForLinks(monitor, 'lab', (l) => linkOf(l, standby.name), 10_000);
        // ≤ 11 keeps restore_command in recovery.conf, which SQL cannot read: reported as false.
        expect(link.archiveShipping).toBe(version >= 12);
      });
    });
  }
});
