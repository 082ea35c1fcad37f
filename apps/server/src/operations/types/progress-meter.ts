import type { StepProgress } from '@walboard/shared/operations';

type Progress = Omit<StepProgress, 'updatedAt'>;

/**
 * Bytes done of a copy → rate and time left. The rate is measured over the last few seconds so a
 * checkpoint wait at the start does not spoil it; an estimated total (the databases' size) is
 * used until the copy says its own, and never shown smaller than what is done.
 */
export class ProgressMeter {
  private readonly started = Date.now();
  private readonly samples: { t: number; bytes: number }[] = [];
  private last = 0;

  constructor(private readonly estimate: number | null) {}

  at(doneBytes: number, totalBytes: number | null, phase?: string): Progress {
    const t = Date.now();
    this.last = doneBytes;
    this.samples.push({ t, bytes: doneBytes });
    while (this.samples.length > 2 && t - (this.samples[0] as { t: number }).t > 5000) this.samples.shift();
    const first = this.samples[0] as { t: number; bytes: number };
    const dt = (t - first.t) / 1000;
    const rate = dt > 0.2 ? Math.max(0, (doneBytes - first.bytes) / dt) : null;
    const total = totalBytes && totalBytes > 0 ? totalBytes : this.estimate;
    const shownTotal = total !== null ? Math.max(total, doneBytes) : null;
    const eta = rate && shownTotal !== null ? Math.max(0, (shownTotal - doneBytes) / rate) : null;
    return {
      doneBytes,
      totalBytes: shownTotal,
      bytesPerSecond: rate === null ? null : Math.round(rate),
      etaSeconds: eta === null ? null : Math.round(eta),
      ...(phase ? { phase } : {}),
    };
  }

  /** The final figure: everything done, average rate over the whole copy. */
  finish(doneBytes = this.last): Progress {
    const s = this.seconds();
    return {
      doneBytes,
      totalBytes: doneBytes,
      bytesPerSecond: s > 0 ? Math.round(doneBytes / s) : null,
      etaSeconds: 0,
      phase: 'done',
    };
  }

  seconds(): number {
    return (Date.now() - this.started) / 1000;
  }
}
