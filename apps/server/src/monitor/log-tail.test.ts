// LogTail against real files through a real LocalTransport: appends, rotation, a late file,
// huge lines, bursts and a killed tail, observed the way the hub sees them (published batches).
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { LogLinesEvent } from '@walboard/shared/events';
import type { LogLine } from '@walboard/shared/status';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalTransport } from '../nodes/local-transport.ts';
import { LogTail, type LogTailOptions } from './log-tail.ts';

/** Everything a tail published, with a way to wait for a condition on it. */
class Collector {
  readonly events: LogLinesEvent[] = [];
  readonly lines: LogLine[] = [];
  private readonly arrivals = new Map<string, number>();
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  readonly publish = (ev: LogLinesEvent) => {
    this.events.push(ev);
    this.lines.push(...ev.lines);
    const now = performance.now();
    for (const l of ev.lines) this.arrivals.set(l.text, now);
    const met = this.waiters.filter((w) => w.check());
    this.waiters = this.waiters.filter((w) => !met.includes(w));
    for (const w of met) w.resolve();
  };

  get dropped(): number {
    return this.events.at(-1)?.dropped ?? 0;
  }

  /** When the line with this text was published (performance.now()), if it was. */
  arrival(text: string): number | undefined {
    return this.arrivals.get(text);
  }

  texts(): string[] {
    return this.lines.map((l) => l.text);
  }

  /** Resolves once `check` holds after a batch; rejects with what was seen after `ms`. */
  until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.check !== check);
        reject(
          new Error(
            `timed out after ${ms} ms waiting for ${what}; last lines: ${this.texts().slice(-5).join(' | ')}`,
          ),
        );
      }, ms);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  untilText(text: string, ms?: number): Promise<void> {
    return this.until(() => this.lines.some((l) => l.text === text), `the line "${text}"`, ms);
  }
}

/** pids of `tail ... -F <file>` processes running right now. */
function tailPids(file: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0] === 'tail' && argv.at(-2) === file) out.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}

const lines = (from: number, to: number, tag: string) => {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`${tag} ${i}`);
  return out;
};
const append = (file: string, ls: readonly string[]) => appendFileSync(file, `${ls.join('\n')}\n`);

describe('LogTail over LocalTransport', () => {
  let dir: string;
  let transport: LocalTransport;
  const tails: LogTail[] = [];
  let n = 0;

  beforeAll(() => {
    dir = mkdtempSync('/tmp/walboard-logtail-');
    transport = new LocalTransport({ node: 'n1' });
  });
  afterEach(async () => {
    await Promise.all(tails.splice(0).map((t) => t.stop()));
  });
  afterAll(async () => {
    await transport?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A tail on a fresh file; `ready` resolves once it is following (a marker line came through). */
  async function follow(opts: Partial<LogTailOptions> = {}, create = true) {
    const file = join(dir, `pg-${++n}.log`);
    if (create) writeFileSync(file, 'marker\n');
    const c = new Collector();
    const tail = new LogTail('lab', 'n1', transport, file, c.publish, opts);
    tails.push(tail);
    tail.start();
    if (create) await c.untilText('marker');
    return { file, c, tail };
  }

  it('delivers appended lines in order, numbered one by one, within ~300 ms', async () => {
    const { file, c } = await follow();
    const batch = [
      '2026-11-25 10:00:00.001 UTC [7] LOG:  checkpoint starting: time',
      '2026-11-25 10:00:00.002 UTC [8] ERROR:  division by zero',
      '2026-11-25 10:00:00.003 UTC [8] STATEMENT:  SELECT 1/0',
      '2026-11-25 10:00:00.004 UTC [9] WARNING:  there is no transaction in progress',
    ];
    const t0 = performance.now();
    append(file, batch);
    await c.until(() => c.lines.length >= 5, 'the 4 appended lines');
    const latency = performance.now() - t0;
    expect(c.texts()).toEqual(['marker', ...batch]);
    expect(c.lines.map((l) => l.level)).toEqual(['OTHER', 'LOG', 'ERROR', 'ERROR', 'WARNING']);
    const seqs = c.lines.map((l) => l.seq);
    expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2, seqs[0]! + 3, seqs[0]! + 4]);
    expect(c.dropped).toBe(0);
    console.log(`log tail: append → published in ${latency.toFixed(0)} ms`);
    expect(latency).toBeLessThan(300);
  });

  it('starts with the last 200 lines of an existing file', async () => {
    const file = join(dir, 'existing.log');
    writeFileSync(file, `${lines(1, 500, 'old').join('\n')}\n`);
    const c = new Collector();
    const tail = new LogTail('lab', 'n1', transport, file, c.publish);
    tails.push(tail);
    tail.start();
    await c.until(() => c.lines.length >= 200, '200 lines');
    expect(c.texts()).toEqual(lines(301, 500, 'old'));
  });

  it('follows the new file after a rotation (mv + new file)', async () => {
    const { file, c } = await follow();
    append(file, ['before rotation']);
    await c.untilText('before rotation');
    renameSync(file, `${file}.1`);
    writeFileSync(file, '');
    append(file, ['new file 1', 'new file 2']);
    await c.untilText('new file 2');
    const texts = c.texts();
    expect(texts.indexOf('new file 1')).toBeLessThan(texts.indexOf('new file 2'));
    expect(texts.filter((t) => t === 'before rotation')).toHaveLength(1);
  });

  it('waits for a log file that does not exist yet, then follows it', async () => {
    const { file, c } = await follow({}, false);
    // tail -F says so on stderr: that is how we know it is running, and the page shows it.
    await c.until(() => c.texts().some((t) => t.includes('cannot open')), "tail's 'cannot open' notice");
    append(file, ['first line of a late file']);
    await c.untilText('first line of a late file');
  });

  it('cuts a 1 MB line to 8 KiB with a visible marker, and keeps the next line intact', async () => {
    const { file, c } = await follow();
    append(file, ['x'.repeat(1024 * 1024), 'after the long line']);
    await c.untilText('after the long line');
    const long = c.lines.find((l) => l.text.startsWith('xxx'));
    expect(long?.text).toBe(`${'x'.repeat(8192)} [truncated ${1024 * 1024 - 8192} bytes]`);
  });

  it('keeps a bounded history: recent() holds the newest 2,000 lines of 5,000', async () => {
    const { file, c, tail } = await follow();
    append(file, lines(1, 5000, 'ring'));
    await c.untilText('ring 5000');
    const recent = tail.recent();
    expect(recent.lines).toHaveLength(2000);
    expect(recent.lines[0]?.text).toBe('ring 3001');
    expect(recent.lines.at(-1)?.text).toBe('ring 5000');
    expect(tail.recent(10).lines.map((l) => l.text)).toEqual(lines(4991, 5000, 'ring'));
  });

  it('delivers a burst of 100,000 lines in order, in bounded batches, every line or every drop counted', async () => {
    const { file, c } = await follow();
    const base = c.lines.length;
    const firstSeq = (c.lines.at(-1)?.seq ?? 0) + 1;
    const total = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < total; i += 5000) append(file, lines(i, i + 4999, 'burst'));
    const written = performance.now() - t0;
    await c.until(() => c.lines.length - base + c.dropped === total, 'delivered + dropped = 100,000', 60_000);
    const elapsed = performance.now() - t0;
    const got = c.lines.slice(base);
    // In order and in place: line "burst i" carries seq firstSeq + i, whatever was dropped.
    for (const l of got) expect(l.seq - firstSeq).toBe(Number(l.text.slice(6)));
    expect(Math.max(...c.events.map((e) => e.lines.length))).toBeLessThanOrEqual(5000);
    console.log(
      `log tail burst: 100,000 lines written in ${written.toFixed(0)} ms, delivered ${got.length} (dropped ${c.dropped}) in ${elapsed.toFixed(0)} ms = ${Math.round(total / (elapsed / 1000))} lines/s`,
    );
  });

  it('carries 20,000 lines/s for 2 s without a drop, each line published well within 1 s', async () => {
    const { file, c } = await follow();
    const base = c.lines.length;
    // 1,000 lines every 50 ms; each chunk's last line is timed from its write to its batch.
    const chunks = 40;
    const writtenAt: number[] = [];
    const t0 = performance.now();
    for (let k = 0; k < chunks; k++) {
      const wait = t0 + k * 50 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      writtenAt.push(performance.now());
      append(file, lines(k * 1000, k * 1000 + 999, 'paced'));
    }
    await c.untilText(`paced ${chunks * 1000 - 1}`, 30_000);
    const got = c.lines.slice(base);
    expect(c.dropped).toBe(0);
    expect(got.map((l) => l.text)).toEqual(lines(0, chunks * 1000 - 1, 'paced'));
    const delays = writtenAt
      .map((w, k) => (c.arrival(`paced ${k * 1000 + 999}`) ?? Number.NaN) - w)
      .sort((a, b) => a - b);
    console.log(
      `log tail paced: 40,000 lines at 20,000/s: worst chunk write → publish ${delays.at(-1)?.toFixed(0)} ms, median ${delays[chunks / 2]?.toFixed(0)} ms`,
    );
    expect(delays.at(-1)).toBeLessThan(1000);
  });

  it('drops the oldest waiting lines when batches cannot keep up, and counts each one', async () => {
    // 500 waiting lines at most, 100 per batch: a 20,000-line burst cannot all be carried.
    const { file, c, tail } = await follow({ maxPendingLines: 500, maxBatchLines: 100, batchMs: 20 });
    const base = c.lines.length;
    const firstSeq = (c.lines.at(-1)?.seq ?? 0) + 1;
    append(file, lines(0, 19_999, 'flood'));
    await c.until(() => c.lines.length - base + c.dropped === 20_000, 'delivered + dropped = 20,000');
    const got = c.lines.slice(base);
    expect(c.dropped).toBeGreaterThan(0);
    expect(tail.dropped).toBe(c.dropped);
    expect(got.at(-1)?.text).toBe('flood 19999');
    let gaps = 0;
    for (let i = 0; i < got.length; i++) {
      const l = got[i]!;
      expect(l.seq - firstSeq).toBe(Number(l.text.slice(6)));
      const prev = i === 0 ? firstSeq - 1 : got[i - 1]!.seq;
      gaps += l.seq - prev - 1;
    }
    // The page can find every dropped line from the seq jumps alone.
    expect(gaps).toBe(c.dropped);
    expect(Math.max(...c.events.map((e) => e.lines.length))).toBeLessThanOrEqual(100);
  });

  it('restarts a killed tail and delivers the lines written meanwhile exactly once', async () => {
    const { file, c, tail } = await follow({ backoffMinMs: 50 });
    append(file, lines(1, 50, 'before'));
    await c.untilText('before 50');
    const [pid] = tailPids(file);
    if (!pid) throw new Error(`no tail process for ${file}`);
    process.kill(pid, 'SIGKILL');
    // Written while no tail runs: the restarted tail must find them in its replay.
    append(file, lines(1, 30, 'during'));
    await c.untilText('during 30');
    append(file, ['after restart']);
    await c.untilText('after restart');
    expect(tail.starts).toBe(2);
    expect(c.texts()).toEqual([
      'marker',
      ...lines(1, 50, 'before'),
      ...lines(1, 30, 'during'),
      'after restart',
    ]);
    const seqs = c.lines.map((l) => l.seq);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
  });

  it('leaves no tail process behind after stop()', async () => {
    const { file, tail } = await follow();
    expect(tailPids(file)).toHaveLength(1);
    await tail.stop();
    // stop() awaits the stream's end, so the process is gone by now.
    expect(tailPids(file)).toEqual([]);
  });
});
