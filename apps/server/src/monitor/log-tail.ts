import type { LogLinesEvent } from '@walboard/shared/events';
import type { LogLine } from '@walboard/shared/status';
import type { LineStream, Transport } from '../nodes/transport.ts';
import { LevelTracker } from './log-level.ts';
import { Ring } from './log-ring.ts';
import { firstUnseen, MAX_LINE_BYTES, truncateLine } from './log-text.ts';

export interface LogTailOptions {
  /** Lines are published at most this often (one batch per period). */
  batchMs: number;
  /** Most lines in one batch: a burst is delivered as several bounded batches. */
  maxBatchLines: number;
  /** Lines waiting for a batch; beyond this the oldest waiting line is dropped (and counted). */
  maxPendingLines: number;
  /** Recent delivered lines kept for a page that opens (LogHistory.recent, REST). */
  historyLines: number;
  maxLineBytes: number;
  /** `tail -n` on every start: the last lines of the file, so a fresh controller has history. */
  initialLines: number;
  /** A restarted tail's replay is compared with the lines seen before: this many of them. */
  resyncAnchorLines: number;
  /** The replay is over once no line came for this long (tail prints it at once). */
  resyncQuietMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_LOG_TAIL_OPTIONS: LogTailOptions = {
  batchMs: 100,
  maxBatchLines: 5000,
  // ~0.4 s of the most a node can deliver (5,000 lines per 100 ms): a page stays under 1 s behind.
  maxPendingLines: 20_000,
  historyLines: 2000,
  maxLineBytes: MAX_LINE_BYTES,
  initialLines: 200,
  resyncAnchorLines: 20,
  resyncQuietMs: 300,
  backoffMinMs: 250,
  backoffMaxMs: 10_000,
};

// A stream that lived this long was healthy: the next restart starts again from the short delay.
const HEALTHY_STREAM_MS = 10_000;

/** argv of the one tail a node runs: -F follows the NAME, so rotation and a late file both work. */
export function tailArgv(logFile: string, lines: number): string[] {
  return ['tail', '-n', String(lines), '-F', logFile];
}

/**
 * Follows one node's PostgreSQL log over its transport with ONE `tail -F`, whatever the number of
 * viewers: numbers every line (seq, +1 per line), keeps the recent ones, and publishes bounded
 * batches about every `batchMs`. When the stream ends (link down, tail killed) it is started
 * again with backoff once the transport is up; the restart replays the last lines of the file and
 * skips those already received (see firstUnseen), so lines written while the link was down are
 * delivered once, and nothing is sent twice.
 */
export class LogTail {
  private readonly opts: LogTailOptions;
  private readonly levels = new LevelTracker();
  private readonly pending: Ring<LogLine>;
  private readonly history: Ring<LogLine>;
  /** Last texts received from tail's stdout, to find where a restarted tail's replay ends. */
  private readonly seen: Ring<string>;
  private nextSeq = 1;
  private droppedTotal = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private stream: LineStream | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  /** Ends the wait on the current stream at once (stop, or the link went down). */
  private abandon: (() => void) | null = null;
  /** Lines of a restarted tail's replay, held until we know which of them are new. */
  private resync: { lines: string[]; timer: NodeJS.Timeout | undefined } | null = null;
  /** Streams started so far; 1 = the first. Lets tests and metrics see restarts. */
  starts = 0;

  constructor(
    readonly cluster: string,
    readonly node: string,
    private readonly transport: Transport,
    readonly logFile: string,
    private readonly publish: (event: LogLinesEvent) => void,
    opts: Partial<LogTailOptions> = {},
  ) {
    this.opts = { ...DEFAULT_LOG_TAIL_OPTIONS, ...opts };
    this.pending = new Ring(this.opts.maxPendingLines);
    this.history = new Ring(this.opts.historyLines);
    this.seen = new Ring(this.opts.resyncAnchorLines);
  }

  /** Whether a tail process is running right now (false between a stream's end and its restart). */
  get following(): boolean {
    return this.stream !== null;
  }

  /** Lines dropped so far because they came faster than batches could carry them. */
  get dropped(): number {
    return this.droppedTotal;
  }

  start(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run();
  }

  /** Stops the tail process and the batching; a last batch carries what was already read. */
  async stop(): Promise<void> {
    this.stopped = true;
    const last = this.stream;
    last?.stop();
    this.abandon?.();
    this.wake?.();
    await this.loop;
    // The loop let go of the stream at once; give its process a moment to be gone for real, so
    // stop() really means "no tail left on the node" (bounded: a dead link may never answer).
    await settle(last);
    clearTimeout(this.flushTimer);
    this.flush();
  }

  /** The newest `max` delivered lines, oldest first, and the drop count so far. */
  recent(max = this.opts.historyLines): { lines: LogLine[]; dropped: number } {
    return { lines: this.history.last(max), dropped: this.droppedTotal };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const startedAt = Date.now();
      await this.follow();
      if (this.stopped) break;
      failures = Date.now() - startedAt >= HEALTHY_STREAM_MS ? 0 : failures + 1;
      const delay = Math.min(this.opts.backoffMaxMs, this.opts.backoffMinMs * 2 ** Math.max(0, failures - 1));
      await this.pause(delay);
      // Restarting while the link is down would only fail again: wait for it to come back.
      if (!this.stopped && !this.transport.isUp()) await this.untilUp();
    }
  }

  /** Runs one tail until it ends; never throws (a failed start counts as an ended stream). */
  private async follow(): Promise<void> {
    let stream: LineStream;
    const restart = this.starts > 0;
    try {
      stream = await this.transport.stream(tailArgv(this.logFile, this.opts.initialLines));
    } catch {
      // The transport reports its own state (onStateChange); the loop retries with backoff.
      return;
    }
    this.starts++;
    if (this.stopped) {
      // stop() came while this tail was starting: end it too, and wait as stop() does.
      stream.stop();
      await settle(stream);
      return;
    }
    this.stream = stream;
    if (restart && this.seen.size > 0) this.resync = { lines: [], timer: undefined };
    stream.onLine((text, from) => {
      // A stream given up on (stop, link down) may still flush a few lines: they are not ours any more.
      if (this.stream !== stream || this.stopped) return;
      if (from === 'stdout') this.onStdout(text);
      else this.onStderr(text);
    });
    // A stream whose connection was torn down (transport closed, link lost) may never report its
    // end: stop() and a link-down also end the wait, so neither a restart nor a shutdown hangs.
    let abandoned = false;
    const given = new Promise<void>((resolve) => {
      this.abandon = () => {
        abandoned = true;
        resolve();
      };
    });
    const offState = this.transport.onStateChange((up) => {
      if (!up) this.abandon?.();
    });
    await Promise.race([stream.done.catch(() => {}), given]);
    offState();
    this.abandon = null;
    if (abandoned) stream.stop();
    this.stream = null;
    // A tail that died during its replay: what it printed is still judged against what we saw.
    this.endResync();
  }

  private onStdout(raw: string): void {
    const text = truncateLine(raw, this.opts.maxLineBytes);
    if (this.resync) {
      const r = this.resync;
      r.lines.push(text);
      clearTimeout(r.timer);
      // tail -n K prints at most K old lines: past that, everything is new anyway.
      if (r.lines.length >= this.opts.initialLines) this.endResync();
      else r.timer = setTimeout(() => this.endResync(), this.opts.resyncQuietMs);
      return;
    }
    this.accept(text);
  }

  // tail's own messages ("has been replaced; following new file", "cannot open ...") tell the
  // reader about rotation and missing files: shown as OTHER lines, kept out of level inheritance.
  private onStderr(raw: string): void {
    this.enqueue(truncateLine(raw, this.opts.maxLineBytes), 'OTHER');
  }

  private endResync(): void {
    const r = this.resync;
    if (!r) return;
    this.resync = null;
    clearTimeout(r.timer);
    const from = firstUnseen(this.seen.last(), r.lines);
    for (let i = from; i < r.lines.length; i++) this.accept(r.lines[i] as string);
  }

  private accept(text: string): void {
    this.seen.push(text);
    this.enqueue(text, this.levels.next(text));
  }

  private enqueue(text: string, level: LogLine['level']): void {
    // The seq is taken even by a line dropped later: the page sees the jump and the count agrees.
    if (this.pending.push({ seq: this.nextSeq++, text, level })) this.droppedTotal++;
    this.flushTimer ??= setTimeout(() => this.onFlushTimer(), this.opts.batchMs);
  }

  private onFlushTimer(): void {
    this.flushTimer = undefined;
    this.flush();
    // A backlog drains one bounded batch per period, in order.
    if (this.pending.size > 0) this.flushTimer = setTimeout(() => this.onFlushTimer(), this.opts.batchMs);
  }

  private flush(): void {
    if (this.pending.size === 0) return;
    const lines = this.pending.shift(this.opts.maxBatchLines);
    for (const l of lines) this.history.push(l);
    this.publish({ cluster: this.cluster, node: this.node, lines, dropped: this.droppedTotal });
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private untilUp(): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        off();
        this.wake = null;
        resolve();
      };
      const off = this.transport.onStateChange((up) => {
        if (up) finish();
      });
      this.wake = finish;
      // It may have come up between isUp() and onStateChange(), or stop() may have come first.
      if (this.stopped || this.transport.isUp()) finish();
    });
  }
}

/** Waits for a stopped stream's process to end, at most 2 s. */
async function settle(stream: LineStream | null | undefined): Promise<void> {
  if (!stream) return;
  await Promise.race([stream.done.catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
}
