import { describe, expect, it } from 'vitest';
import { bytesBehind, computeLag, laterLsn, lsnToBigInt } from './lag.ts';

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
          lastReplayTimestamp: '2025-01-01T00:00:00Z',
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
          lastReplayTimestamp: '2025-01-01T00:00:00Z',
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
      name: 'replay_lag NULL while bytes are outstanding: standby observation − last replayed commit',
      input: {
        primaryCurrentLsn: '0/5000000',
        sender: { flushLsn: '0/5000000', replayLsn: '0/4000000', replayLagMs: null },
        standby: {
          receiveLsn: '0/5000000',
          replayLsn: '0/4000000',
          lastReplayTimestamp: '2025-01-01T00:09:57.500Z',
          observedAt,
        },
      },
      want: { replayBytes: 0x1000000, flushBytes: 0, replaySeconds: 2.5, secondsSource: 'replay-timestamp' },
    },
    {
      name: '9.1 (no lag columns), standby reachable: replay timestamp',
      input: {
        primaryCurrentLsn: '0/5000000',
        sender: { flushLsn: '0/5000000', replayLsn: '0/4000000', replayLagMs: null },
        standby: {
          receiveLsn: null,
          replayLsn: null,
          lastReplayTimestamp: '2025-01-01T00:09:59Z',
          observedAt,
        },
      },
      want: { replayBytes: 0x1000000, flushBytes: 0, replaySeconds: 1, secondsSource: 'replay-timestamp' },
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
      name: 'standby down, no sender: bytes unknown, no replay-timestamp guess',
      input: { primaryCurrentLsn: '0/5000000', sender: null, standby: null },
      want: { replayBytes: null, flushBytes: null, replaySeconds: null, secondsSource: 'unknown' },
    },
    {
      name: 'a commit time in the future (clock skew) is clamped to 0 s, never negative',
      input: {
        primaryCurrentLsn: '0/5000000',
        sender: null,
        standby: {
          receiveLsn: '0/4000000',
          replayLsn: '0/4000000',
          lastReplayTimestamp: '2025-01-01T00:10:03Z',
          observedAt,
        },
      },
      want: {
        replayBytes: 0x1000000,
        flushBytes: 0x1000000,
        replaySeconds: 0,
        secondsSource: 'replay-timestamp',
      },
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
          lastReplayTimestamp: '2025-01-01T00:00:00Z',
          observedAt: at,
        },
      });
      expect(lag.replaySeconds).toBe(0);
    }
  });
});
