import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NodeStatus, type ReplicationLink, replicationLinkSchema } from '@walboard/shared/status';
import { nodeStatusFixture } from '@walboard/shared/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type WalboardStore } from '../store/database.ts';
import { LAG_RESOLUTIONS } from '../store/lag-store.ts';
import { LagHistoryRecorder } from './lag-history.ts';
import { MonitorBus } from './monitor-bus.ts';

/** A link as the links producer publishes it, checked against the shared contract. */
function link(
  standby: string | null,
  replayBytes: number | null,
  replaySeconds: number | null,
  extra: Partial<ReplicationLink> = {},
): ReplicationLink {
  return replicationLinkSchema.parse({
    primary: 'h1',
    standby,
    applicationName: standby ?? 'walreceiver',
    clientAddr: '10.0.0.12',
    streaming: true,
    archiveShipping: false,
    state: 'streaming',
    lag: {
      replayBytes,
      flushBytes: replayBytes,
      replaySeconds,
      secondsSource: replayBytes === 0 ? 'caught-up' : 'sender',
    },
    ...extra,
  });
}

function primaryStatus(pg: 'up' | 'down'): NodeStatus {
  return nodeStatusFixture('h1', {
    host: '10.0.0.11',
    reachability: { ssh: pg, pg, reason: pg === 'down' ? 'ssh: connection timed out' : null },
    role: pg === 'up' ? 'primary' : 'unknown',
    observedAt: new Date(0).toISOString(),
  });
}

describe('lag history: bus events → one sample per standby per second → SQLite', () => {
  let dir: string;
  let store: WalboardStore;
  let bus: MonitorBus;
  let now: number;
  let recorder: LagHistoryRecorder;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'walboard-lag-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    store = openStore(await mkdtemp(join(dir, 'case-')));
    bus = new MonitorBus();
    // A whole minute: every bucket of the run starts on a boundary, so the counts below are exact.
    now = Date.UTC(2026, 10, 25, 0, 0, 0);
    recorder = new LagHistoryRecorder(bus, store.lag, { clock: () => now });
    recorder.start({ timer: false });
  });
  afterEach(() => {
    recorder.stop();
    store.close();
  });

  it('keeps 25 h of samples within the bounds of each resolution, with the max of each bucket', () => {
    const start = now;
    // 23.5 h at one sample every 30 s (two per minute bucket), then 1.5 h at one per second:
    // every resolution is full and the run stays short (each write is a real transaction).
    const times: number[] = [];
    for (let t = start; t < start + 23.5 * 3600_000; t += 30_000) times.push(t);
    for (let t = start + 23.5 * 3600_000; t < start + 25 * 3600_000; t += 1000) times.push(t);
    const bytesAt = (t: number) => (t - start) / 1000; // grows: a bucket's max is its last sample
    const secondsAt = (t: number) => (((t - start) / 1000) % 10 === 3 ? 5 : 0.25); // a spike every 10 s

    // What each bucket must hold: the max of the samples that fell in it.
    const expected = new Map<number, Map<number, { bytes: number; seconds: number }>>();
    const t0 = performance.now();
    for (const t of times) {
      now = t;
      bus.emit('links', {
        cluster: 'lab',
        links: [link('h2', bytesAt(t), secondsAt(t)), link('h3', 2 * bytesAt(t), 0)],
      });
      recorder.flush();
      for (const { stepMs } of Object.values(LAG_RESOLUTIONS)) {
        const byBucket = expected.get(stepMs) ?? new Map();
        expected.set(stepMs, byBucket);
        const b = Math.floor(t / stepMs) * stepMs;
        const held = byBucket.get(b);
        byBucket.set(b, {
          bytes: Math.max(held?.bytes ?? 0, bytesAt(t)),
          seconds: Math.max(held?.seconds ?? 0, secondsAt(t)),
        });
      }
    }
    const elapsed = performance.now() - t0;

    // 2 standbys × (15 min/1 s + 1, 1 h/10 s + 1, 24 h/1 min + 1): older rows are gone.
    expect(store.lag.rowCounts()).toEqual({ '15m': 2 * 901, '1h': 2 * 361, '24h': 2 * 1441 });

    for (const range of ['15m', '1h', '24h'] as const) {
      const { stepMs, keepMs } = LAG_RESOLUTIONS[range];
      const points = store.lag.points('lab', 'h2', range, now);
      expect(points, range).toHaveLength(keepMs / stepMs + 1);
      // The oldest bucket still overlaps the window; the one before it is gone.
      expect(points[0]?.t, range).toBe(Math.floor((now - keepMs) / stepMs) * stepMs);
      expect(points.at(-1)?.t, range).toBe(Math.floor(now / stepMs) * stepMs);
      const want = expected.get(stepMs) ?? new Map();
      expect(
        points.map((p) => ({ t: p.t, bytes: p.replayBytes, seconds: p.replaySeconds })),
        range,
      ).toEqual(points.map((p) => ({ t: p.t, ...want.get(p.t) })));
    }
    // A 10 s bucket keeps its spike, never averaged away.
    expect(
      store.lag
        .points('lab', 'h2', '1h', now)
        .slice(0, -1)
        .every((p) => p.replaySeconds === 5),
    ).toBe(true);
    expect(store.lag.points('lab', 'h3', '15m', now).at(-1)?.replayBytes).toBe(2 * bytesAt(now));

    const size = store.sizeBytes();
    console.log(
      `lag history: ${times.length} writes over 25 h simulated in ${Math.round(elapsed)} ms (${((elapsed / times.length) * 1000).toFixed(0)} µs per write); 2 standbys at the bounds → ${Math.round(size / 1024)} KiB in use`,
    );
    // Budget: 2,703 rows per standby; well under 1 MiB for two.
    expect(size).toBeLessThan(1024 * 1024);
  });

  it('writes at most one sample per standby per second: the max seen during that second', () => {
    bus.emit('links', { cluster: 'lab', links: [link('h2', 100, 0.5)] });
    bus.emit('links', { cluster: 'lab', links: [link('h2', 9000, 2)] });
    bus.emit('links', { cluster: 'lab', links: [link('h2', 0, 0)] });
    expect(recorder.flush()).toEqual([
      { cluster: 'lab', standby: 'h2', t: now, replayBytes: 9000, replaySeconds: 2 },
    ]);
    now += 400; // same second: nothing more is written
    bus.emit('links', { cluster: 'lab', links: [link('h2', 77, 1)] });
    expect(recorder.flush()).toEqual([]);
    now += 600; // next second: the producer said nothing new, so the last value still holds... plus the peak
    expect(recorder.flush()).toEqual([
      { cluster: 'lab', standby: 'h2', t: now, replayBytes: 77, replaySeconds: 1 },
    ]);
    now += 1000;
    expect(recorder.flush()).toEqual([
      { cluster: 'lab', standby: 'h2', t: now, replayBytes: 77, replaySeconds: 1 },
    ]);
    expect(store.lag.points('lab', 'h2', '15m', now).map((p) => p.replayBytes)).toEqual([9000, 77, 77]);
  });

  it('records an unmatched sender under its application_name, and an unreachable primary as unknown', () => {
    bus.emit('links', { cluster: 'lab', links: [link(null, 10, 0.1, { applicationName: 'pg_receivewal' })] });
    expect(recorder.flush().map((s) => s.standby)).toEqual(['pg_receivewal']);

    now += 1000;
    bus.emit('status', primaryStatus('down'));
    expect(recorder.flush()).toEqual([
      { cluster: 'lab', standby: 'pg_receivewal', t: now, replayBytes: null, replaySeconds: null },
    ]);
    now += 1000;
    bus.emit('status', primaryStatus('up'));
    expect(recorder.flush()[0]?.replayBytes).toBe(10);
    // The 10 s bucket kept the measured value across the unknown second.
    expect(store.lag.points('lab', 'pg_receivewal', '1h', now).map((p) => p.replayBytes)).toEqual([10]);
  });

  it('stops recording a standby the producer no longer lists', () => {
    bus.emit('links', { cluster: 'lab', links: [link('h2', 5, 0)] });
    recorder.flush();
    now += 1000;
    bus.emit('links', { cluster: 'lab', links: [] });
    expect(recorder.flush()).toEqual([]);
    expect(store.lag.points('lab', 'h2', '15m', now)).toHaveLength(1);
  });

  it('writes on its own every second once started with its timer', async () => {
    recorder.stop();
    const live = new LagHistoryRecorder(bus, store.lag, { intervalMs: 50 });
    live.start();
    try {
      bus.emit('links', { cluster: 'lab', links: [link('h2', 3, 0)] });
      const deadline = Date.now() + 3000;
      while (store.lag.points('lab', 'h2', '15m', Date.now()).length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(store.lag.points('lab', 'h2', '15m', Date.now())[0]?.replayBytes).toBe(3);
    } finally {
      live.stop();
    }
  });
});
