import { describe, expect, it } from 'vitest';
import { bytesBehind, computeLag, laterLsn, lsnToBigInt } from './lag.ts';
import { WalTimeline } from './wal-timeline.ts';

describe('LSN math (exact, BigInt)', () => {
  it.each([
    ['0/0', 0n],
    ['0/3000148', 0x3000148n],
    ['16/B374D848', (0x16n << 32n) | 0xb374d848n],
    ['FFFFFFFF/FFFFFFFF', 2n ** 64n - 1n],
  ])('%s → %s', (lsn, v) => expect(lsnToBigInt(lsn)).toBe(v));

  it('rejects what is not an LSN', () => {
    expect(() => lsnToBigInt('16-B374D848')).toThrow(/not an LSN/);
  });

  it('counts bytes across the 32-bit boundary exactly', () => {
    expect(bytesBehind('1/00000010', '0/FFFFFFF0')).toBe(0x20);
    // Beyond 2^53 a float would round; a difference of 1 must stay 1.
    expect(bytesBehind('FFFFFFFF/FFFFFFFF', 'FFFFFFFF/FFFFFFFE')).toBe(1);
  });

  it('never goes negative (positions seen by two polls may cross) and keeps unknown unknown', () => {
    expect(bytesBehind('0/100', '0/200')).toBe(0);
    expect(bytesBehind(null, '0/200')).toBeNull();
    expect(bytesBehind('0/100', null)).toBeNull();
  });

  it('picks the later of two LSNs', () => {
    expect(laterLsn('0/10', '0/20')).toBe('0/20');
    expect(laterLsn('1/0', 'FF/0')).toBe('FF/0');
    expect(laterLsn(null, '0/1')).toBe('0/1');
    expect(laterLsn(null, null)).toBeNull();
  });
});

const observedAt = '2025-01-01T00:10:00.000Z';

describe('computeLag', () => {
  it.each([
    {
      name: 'idle and caught up, replay_lag NULL: 0 s, not "time since the last commit"',
      input: {
        primaryCurrentLsn: '0/3000148',
        sender: { flushLsn: '0/3000148', replayLsn: '0/3000148', replayLagMs: null },
        standby: {
          receiveLsn: '0/3000148',
          replayLsn: '0/3000148',
          observedAt,
        },
      },
      want: { replayBytes: 0, flushBytes: 0, replaySeconds: 0, secondsSource: 'caught-up' },
    },
    {
      name: 'caught up but replay_lag still shows the last measurement: 0 s all the same',
      input: {
        primaryCurrentLsn: '0/3000148',
        sender: { flushLsn: '0/3000148', replayLsn: '0/3000148', replayLagMs: 1.2 },
        standby: null,
      },
      want: { replayBytes: 0, flushBytes: 0, replaySeconds: 0, secondsSource: 'caught-up' },
    },
    {
      name: "the sender's replay LSN is stale, the standby's own poll shows it replayed all: caught up",
      input: {
        primaryCurrentLsn: '0/3000200',
        sender: { flushLsn: '0/3000200', replayLsn: '0/3000148', replayLagMs: null },
        standby: {
          receiveLsn: '0/3000200',
          replayLsn: '0/3000200',
          observedAt,
        },
      },
      want: { replayBytes: 0, flushBytes: 0, replaySeconds: 0, secondsSource: 'caught-up' },
    },
    {
      name: "loaded: bytes outstanding, seconds from the sender's replay_lag",
      input: {
        primaryCurrentLsn: '0/5000000',
        sender: { flushLsn: '0/4FFF000', replayLsn: '0/4FF0000', replayLagMs: 12.5 },
        standby: null,
      },
      want: { replayBytes: 0x10000, flushBytes: 0x1000, replaySeconds: 0.0125, secondsSource: 'sender' },
    },
    {
      name: 'nothing replayed yet and no sender lag: seconds unknown, bytes known',
      input: {
        primaryCurrentLsn: '0/5000000',
        sender: { flushLsn: '0/4000000', replayLsn: '0/4000000', replayLagMs: null },
        standby: null,
      },
      want: { replayBytes: 0x1000000, flushBytes: 0x1000000, replaySeconds: null, secondsSource: 'unknown' },
    },
    {
      name: 'primary unreachable: everything unknown',
      input: { primaryCurrentLsn: null, sender: null, standby: null },
      want: { replayBytes: null, flushBytes: null, replaySeconds: null, secondsSource: 'unknown' },
    },
    {
      name: 'standby down, no sender: bytes unknown, no guess',
      input: { primaryCurrentLsn: '0/5000000', sender: null, standby: null },
      want: { replayBytes: null, flushBytes: null, replaySeconds: null, secondsSource: 'unknown' },
    },
  ] as const)('$name', ({ input, want }) => {
    expect(computeLag(input)).toEqual(want);
  });

  it('an idle primary never shows growing lag: the same caught-up positions give 0 s at any later time', () => {
    for (const minutes of [0, 1, 60, 24 * 60]) {
      const at = new Date(Date.parse('2025-01-01T00:00:00Z') + minutes * 60_000).toISOString();
      const lag = computeLag({
        primaryCurrentLsn: '0/3000148',
        sender: { flushLsn: '0/3000148', replayLsn: '0/3000148', replayLagMs: null },
        standby: {
          receiveLsn: '0/3000148',
          replayLsn: '0/3000148',
          observedAt: at,
        },
      });
      expect(lag.replaySeconds).toBe(0);
    }
  });
});

describe('computeLag: seconds from the WAL timeline (age of the oldest byte not replayed)', () => {
  const t0 = Date.parse('2025-01-01T00:10:00.000Z');
  const iso = (ms: number) => new Date(t0 + ms).toISOString();
  /** The primary was at 0/3000000 from t0, moved to 0/3000100 at +1000 ms and to 0/5000000 at +1050. */
  const timeline = new WalTimeline();
  timeline.record('0/3000000', 1, t0);
  timeline.record('0/3000100', 1, t0 + 1000);
  timeline.record('0/5000000', 1, t0 + 1050);
  const firstSeenAfter = (lsn: string) => timeline.firstSeenAfter(lsn);

  it('a standby stuck at 0/3000000, observed 3 s after the primary moved past it: 3 s', () => {
    const lag = computeLag({
      primaryCurrentLsn: '0/5000000',
      primaryObservedAt: iso(4000),
      sender: { flushLsn: '0/5000000', replayLsn: '0/3000000', replayLagMs: null },
      standby: { receiveLsn: '0/5000000', replayLsn: '0/3000000', observedAt: iso(4000) },
      firstSeenAfter,
    });
    expect(lag).toEqual({
      replayBytes: 0x2000000,
      flushBytes: 0,
      replaySeconds: 3,
      secondsSource: 'wal-timeline',
    });
  });

  it('the race behind the false spike: a primary position newer than the standby poll gives ~0 s, not the time since the last commit', () => {
    // The standby was polled at +1020 having replayed 0/3000100; the primary at +1060 is at 0/5000000
    // (a checkpoint record). PostgreSQL's replay_lag is NULL after a quiet period.
    const lag = computeLag({
      primaryCurrentLsn: '0/5000000',
      primaryObservedAt: iso(1060),
      sender: { flushLsn: '0/3000100', replayLsn: '0/3000100', replayLagMs: null },
      standby: { receiveLsn: '0/3000100', replayLsn: '0/3000100', observedAt: iso(1020) },
      firstSeenAfter,
    });
    expect(lag.secondsSource).toBe('wal-timeline');
    expect(lag.replaySeconds).toBe(0);
    expect(lag.replayBytes).toBe(0x5000000 - 0x3000100);
  });

  it("times the sender's replay LSN by the primary's poll when it is the later one", () => {
    const lag = computeLag({
      primaryCurrentLsn: '0/5000000',
      primaryObservedAt: iso(1250),
      sender: { flushLsn: '0/5000000', replayLsn: '0/3000100', replayLagMs: 9999 },
      standby: { receiveLsn: '0/3000000', replayLsn: '0/3000000', observedAt: iso(5000) },
      firstSeenAfter,
    });
    expect(lag).toMatchObject({ replaySeconds: 0.2, secondsSource: 'wal-timeline' });
  });

  it("a byte older than the record falls back to PostgreSQL's replay_lag, else unknown", () => {
    const input = {
      primaryCurrentLsn: '0/5000000',
      primaryObservedAt: iso(2000),
      sender: { flushLsn: '0/5000000', replayLsn: '0/2000000', replayLagMs: 42_000 },
      standby: null,
      firstSeenAfter,
    };
    expect(computeLag(input)).toMatchObject({ replaySeconds: 42, secondsSource: 'sender' });
    expect(computeLag({ ...input, sender: { ...input.sender, replayLagMs: null } })).toMatchObject({
      replaySeconds: null,
      secondsSource: 'unknown',
    });
  });

  it('on an idle primary the seconds never grow while the standby stays caught up', () => {
    for (const after of [1100, 60_000, 3_600_000]) {
      const lag = computeLag({
        primaryCurrentLsn: '0/5000000',
        primaryObservedAt: iso(after),
        sender: { flushLsn: '0/5000000', replayLsn: '0/5000000', replayLagMs: null },
        standby: { receiveLsn: '0/5000000', replayLsn: '0/5000000', observedAt: iso(after) },
        firstSeenAfter,
      });
      expect(lag).toMatchObject({ replaySeconds: 0, secondsSource: 'caught-up' });
    }
  });
});
