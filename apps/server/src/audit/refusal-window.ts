import type { AuditInput, AuditLog } from './audit-log.ts';

export interface RefusalWindowOptions {
  /** One row per key per window. */
  windowMs: number;
  /** How often an open row's count is written while refusals go on. */
  flushMs: number;
  /** Open windows at most; refusals beyond it share one overflow row. */
  maxOpen: number;
}

export const DEFAULT_REFUSAL_WINDOW: RefusalWindowOptions = {
  windowMs: 60_000,
  flushMs: 1000,
  maxOpen: 1000,
};

interface Open {
  id: number;
  opened: number;
  last: number;
  count: number;
  written: number;
  input: AuditInput;
  sources: Set<string>;
}

const MAX_SOURCES_KEPT = 10_000;
const SOURCES_LISTED = 20;

/**
 * Aggregates repeated refusals (sign-ins refused while a limit is engaged) so that a flood of
 * them cannot grow the audit table without bound: the first refusal of a key opens a row, later
 * ones within the window only count, and the row's `detail.count` is rewritten every `flushMs`
 * and when the window closes. The audit page still shows that it happened, from where and how often.
 */
export class RefusalWindows {
  private readonly open = new Map<string, Open>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly audit: AuditLog,
    private readonly opts: RefusalWindowOptions = DEFAULT_REFUSAL_WINDOW,
    private readonly clock: () => number = Date.now,
  ) {}

  /** `source` is the address this refusal came from (a row of a key may see many). */
  refuse(key: string, source: string, input: AuditInput): void {
    const now = this.clock();
    const cur = this.open.get(key);
    if (cur && now - cur.opened < this.opts.windowMs) {
      cur.count += 1;
      cur.last = now;
      if (cur.sources.size < MAX_SOURCES_KEPT) cur.sources.add(source);
      return;
    }
    if (cur) this.finish(key, cur);
    if (!this.open.has(key) && this.open.size >= this.opts.maxOpen && key !== '*overflow') {
      this.refuse('*overflow', source, { ...input, source: 'many addresses', target: null });
      return;
    }
    const opened: Open = {
      id: 0,
      opened: now,
      last: now,
      count: 1,
      written: 1,
      input,
      sources: new Set([source]),
    };
    const id = this.audit.record({ ...input, detail: this.detail(opened), message: input.message });
    if (id === null) return;
    opened.id = id;
    this.open.set(key, opened);
    this.startTimer();
  }

  /** Writes every open count (app close: nothing counted is lost). */
  close(): void {
    for (const [key, w] of this.open) this.finish(key, w);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Writes changed counts and closes windows that are over. */
  flush(): void {
    const now = this.clock();
    for (const [key, w] of this.open) {
      if (now - w.opened >= this.opts.windowMs) this.finish(key, w);
      else if (w.count !== w.written) this.write(w);
    }
    if (this.open.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private finish(key: string, w: Open): void {
    if (w.count !== w.written) this.write(w);
    this.open.delete(key);
  }

  private write(w: Open): void {
    w.written = w.count;
    const secs = Math.max(1, Math.round((w.last - w.opened) / 1000));
    this.audit.amend(w.id, this.detail(w), `${w.input.message} (refused ${w.count} times in ${secs} s)`);
  }

  private detail(w: Open): Record<string, unknown> {
    return {
      ...w.input.detail,
      count: w.count,
      firstAt: new Date(w.opened).toISOString(),
      lastAt: new Date(w.last).toISOString(),
      distinctSources: w.sources.size,
      sources: [...w.sources].slice(0, SOURCES_LISTED),
    };
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.opts.flushMs);
    // A flood of refusals must not keep the process alive.
    this.timer.unref();
  }
}
