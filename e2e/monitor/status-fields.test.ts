// Node status filled completely from real primary → standby pairs on PostgreSQL 10, 15 and 18:
// the primary's WAL senders, the standby's WAL receiver (received_lsn on 10, flushed_lsn on 13+),
// the archiver, .ready files, the last replay time — and the links walboard derives from them.
import type { ClusterMonitor } from '@walboard/server/src/monitor/cluster-monitor.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostsRun, psql } from '../hosts/harness.ts';
import { closeWalboardWithin } from '../support/close-walboard.ts';
import { lsnToBigInt } from '../support/lsn.ts';
import { buildStandby, upPairs, type VersionPair } from '../support/replication.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';
import { linkOf, waitForLinks, waitForStatus } from './wait.ts';

const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const VERSIONS = [10, 15, 18] as const;

describe('node status on PostgreSQL 10, 15 and 18 (real pairs)', () => {
  let run: HostsRun;
  let wb: RunningWalboard;
  let monitor: ClusterMonitor;
  let pairs: VersionPair[] = [];

  beforeAll(async () => {
    ({ run, pairs } = await upPairs(VERSIONS));
    await Promise.all(pairs.map((p) => buildStandby(run, p.primary, p.standby)));
    // A committed transaction on each primary gives each standby a last replay time.
    for (const p of pairs) await psql(run, p.primary, 'CREATE TABLE e2e_status (id int)');
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

      it("the primary lists the standby's WAL sender with positions, lags and sync state", async () => {
        const { primary, standby } = pair();
        const st = await waitForStatus(
          monitor,
          'lab',
          primary.name,
          (s) => s.senders.some((x) => x.applicationName === standby.name && x.replayLsn !== null),
          15_000,
          'sender row for the standby',
        );
        expect(st.role).toBe('primary');
        expect(st.versionNum).toBeGreaterThanOrEqual(version * 10000);
        const sender = st.senders.find((x) => x.applicationName === standby.name);
        expect(sender?.clientAddr).toBe(standby.ip);
        expect(sender?.state).toBe('streaming');
        for (const l of [sender?.sentLsn, sender?.writeLsn, sender?.flushLsn, sender?.replayLsn]) {
          expect(l).toMatch(LSN);
        }
        // Positions are ordered as PostgreSQL defines them: replayed ≤ flushed ≤ written ≤ sent.
        const n = (l: string | null | undefined) => lsnToBigInt(l ?? '0/0');
        expect(n(sender?.replayLsn)).toBeLessThanOrEqual(n(sender?.flushLsn));
        expect(n(sender?.flushLsn)).toBeLessThanOrEqual(n(sender?.sentLsn));
        expect(n(sender?.sentLsn)).toBeLessThanOrEqual(n(st.currentLsn));
        expect(sender?.syncState).toBe('async');
        // Lags are numbers or honest nulls (NULL when caught up and idle), never NaN or strings.
        for (const lag of [sender?.writeLagMs, sender?.flushLagMs, sender?.replayLagMs]) {
          expect(lag === null || (typeof lag === 'number' && Number.isFinite(lag) && lag >= 0)).toBe(true);
        }
        if (version >= 12) expect(sender?.replyTime).toMatch(ISO);
        else expect(sender?.replyTime).toBeNull();
        expect(st.receiver).toBeNull();
      });

      it('the standby shows its WAL receiver, with the received LSN column of its version', async () => {
        const { primary, standby } = pair();
        const st = await waitForStatus(
          monitor,
          'lab',
          standby.name,
          (s) => s.receiver?.status === 'streaming' && s.lastReplayTimestamp !== null,
          15_000,
          'streaming receiver',
        );
        const r = st.receiver;
        expect(st.role).toBe('standby');
        expect(r?.pid).toBeGreaterThan(0);
        // received_lsn (10–12) / flushed_lsn (13+): either way an LSN the standby has on disk.
        expect(r?.receivedLsn).toMatch(LSN);
        expect(r?.latestEndLsn).toMatch(LSN);
        expect(r?.receivedTli).toBe(1);
        expect(r?.lastMsgSendTime).toMatch(ISO);
        expect(r?.lastMsgReceiptTime).toMatch(ISO);
        expect(r?.latestEndTime).toMatch(ISO);
        expect(r?.slotName).toBeNull();
        if (version >= 11) {
          expect(r?.senderHost).toBe(primary.ip);
          expect(r?.senderPort).toBe(primary.pg.port);
        } else {
          expect(r?.senderHost).toBeNull();
        }
        expect(st.lastReplayTimestamp).toMatch(ISO);
        expect(st.senders).toEqual([]);
      });

      it('both nodes carry pg_stat_archiver and a .ready count', async () => {
        const { primary, standby } = pair();
        for (const h of [primary, standby]) {
          const st = await waitForStatus(
            monitor,
            'lab',
            h.name,
            (s) => s.archiver !== null,
            10_000,
            'archiver',
          );
          expect(st.archiver).toMatchObject({
            archivedCount: 0,
            failedCount: 0,
            failing: false,
            lastError: null,
          });
          expect(st.archiver?.statsReset).toMatch(ISO);
          // archive_mode is off: nothing is waiting, and the superuser may list the directory.
          expect(st.readyFiles).toBe(0);
        }
      });

      it('links the standby to its primary by application_name, with lag in bytes and seconds', async () => {
        const { primary, standby } = pair();
        const link = await waitForLinks(
          monitor,
          'lab',
          (links) => linkOf(links, standby.name),
          10_000,
          `link to ${standby.name}`,
        );
        expect(link.primary).toBe(primary.name);
        expect(link.streaming).toBe(true);
        expect(link.applicationName).toBe(standby.name);
        expect(link.clientAddr).toBe(standby.ip);
        expect(link.archiveShipping).toBe(false);
        expect(link.lag.replayBytes).not.toBeNull();
        expect(link.lag.replayBytes).toBeGreaterThanOrEqual(0);
      });
    });
  }
});
