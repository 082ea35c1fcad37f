// A row committed on the primary → the standby's replay LSN on a headless Chromium page.
//
// Clocks: the commit time is Date.now() in the bench right after the INSERT's commit is
// acknowledged; the page records Date.now() when the LSN text changes (MutationObserver) and again
// at the next animation frame (the frame that paints it). Both read the machine's realtime clock;
// the remaining offset between the two processes is measured (page.evaluate round trips, the
// tightest one wins) and subtracted. Its uncertainty (half that round trip) is reported.
import type { HostsRun } from '../e2e/hosts/harness.ts';
import type { Page } from '../e2e/support/bench-deps.ts';
import { connectPg, currentLsn } from './cluster.ts';
import { round, sleep, summary } from './stats.ts';

interface LsnEntry {
  text: string;
  dom: number;
  frame: number;
}
type RecorderWindow = { benchLsnLog: LsnEntry[] };

/** page clock − bench clock, ms, from the round trip with the least time in flight. */
async function clockOffset(page: Page): Promise<{ offsetMs: number; uncertaintyMs: number }> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let i = 0; i < 30; i++) {
    const t0 = Date.now();
    const p = await page.evaluate(() => Date.now());
    const t1 = Date.now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: p - (t0 + t1) / 2 };
  }
  return { offsetMs: round(best.offset, 1), uncertaintyMs: round(best.rtt / 2 + 1, 1) };
}

export async function measureCommitToBrowser(run: HostsRun, page: Page, url: string, samples: number) {
  const standby = run.hosts[1];
  const primary = run.hosts[0];
  if (!primary || !standby) throw new Error('commitToBrowser needs a primary and a standby');
  await page.goto(url);
  const sel = `[data-testid="node-card-${standby.name}"] [data-testid="node-replay-lsn"]`;
  await page.waitForSelector(`[data-testid="node-card-${standby.name}"][data-role="standby"]`, {
    timeout: 30_000,
  });
  await page.evaluate((s) => {
    const w = window as unknown as RecorderWindow;
    w.benchLsnLog = [];
    let last = '';
    const record = () => {
      const text = document.querySelector(s)?.textContent ?? '';
      if (text === last) return;
      last = text;
      const entry = { text, dom: Date.now(), frame: 0 };
      w.benchLsnLog.push(entry);
      requestAnimationFrame(() => {
        entry.frame = Date.now();
      });
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
    record();
  }, sel);
  const clock = await clockOffset(page);
  const pg = await connectPg(primary);
  const toFrame: number[] = [];
  const toDom: number[] = [];
  const insertRtt: number[] = [];
  let timeouts = 0;
  try {
    for (let i = 0; i < samples; i++) {
      // A random pause, so commits do not fall at the same phase of the poll cycle every time.
      await sleep(150 + Math.random() * 300);
      const before = Date.now();
      await pg.query("INSERT INTO bench_rows (note) VALUES ('commit-to-browser')");
      const committed = Date.now();
      insertRtt.push(committed - before);
      const target = await currentLsn(pg);
      const found = await page
        .waitForFunction(
          (t) => {
            const parse = (s: string) => {
              const m = /([0-9A-F]{1,8})\/([0-9A-F]{1,8})/.exec(s);
              return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : -1n;
            };
            const goal = parse(t);
            const e = (window as unknown as RecorderWindow).benchLsnLog.find((x) => parse(x.text) >= goal);
            return e && e.frame > 0 ? { dom: e.dom, frame: e.frame } : null;
          },
          target,
          { timeout: 5000 },
        )
        .then((h) => h.jsonValue())
        .catch(() => null);
      if (!found) {
        timeouts++;
        continue;
      }
      toDom.push(found.dom - clock.offsetMs - committed);
      toFrame.push(found.frame - clock.offsetMs - committed);
      // Every entry so far is below the next commit's LSN: none can answer a later sample.
      await page.evaluate(() => {
        (window as unknown as RecorderWindow).benchLsnLog = [];
      });
    }
  } finally {
    await pg.end();
  }
  const s = summary(toFrame);
  return {
    ...s,
    timeouts,
    domP50: summary(toDom).p50,
    domP99: summary(toDom).p99,
    insertRoundTripP50Ms: summary(insertRtt).p50,
    clock,
    plain: {
      commitToRowVisibleOnStandbyMs: { p50: 2, p99: 16 },
      bestKnownToolsRefreshMs: '1000–10000',
      source: 'shared/docs/performance-anchors.md (commit on primary → row visible on the hot standby)',
    },
    goal: 'p99 ≤ 150 ms at default settings',
    pass: s.n > 0 && s.p99 <= 150 && timeouts === 0,
  };
}
