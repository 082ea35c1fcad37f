// A node writes `rate` log lines a second for `seconds` s (perl appending to its PostgreSQL log
// as postgres, in 10 ms batches, each line stamped with its write time); one socket.io viewer
// follows that node's log ('log:subscribe') and a Chromium page shows it, while a user clicks.
// Latency per line: receipt here − the stamp (same machine clock). Clicks are timed in the page
// (clickToFrameMs: the input event's timestamp → the animation frame after the page changed
// language) and from here (clickRoundTripMs: CDP mouse click → a 10 ms page-side check sees the
// change; an upper bound that includes the DevTools round trips).
import type { HostsRun } from '../e2e/hosts/harness.ts';
import { runOnHost } from '../e2e/hosts/harness.ts';
import type { Page } from '../e2e/support/bench-deps.ts';
import { CLUSTER } from './cluster.ts';
import type { Controller } from './controller.ts';
import { round, sleep, summary, until } from './stats.ts';
import { connectViewers } from './viewers.ts';

// Lines look like PostgreSQL's own (log_line_prefix '%m [%p] '), so levels are parsed as usual.
const WRITER = String.raw`
use strict; use warnings; use Time::HiRes qw(time sleep); use POSIX qw(strftime);
my ($file, $rate, $secs, $tag) = @ARGV;
open(my $fh, '>>', $file) or die "cannot open $file: $!\n";
my $per = int($rate / 100) || 1;
my $total = int($rate * $secs);
my $start = time; my $seq = 0;
while ($seq < $total) {
  my $due = $start + $seq / $rate; my $now = time;
  sleep($due - $now) if $due > $now;
  $now = time;
  my $stamp = strftime('%Y-%m-%d %H:%M:%S', gmtime($now)) . sprintf('.%03d UTC', ($now * 1000) % 1000);
  my $ms = sprintf('%.3f', $now * 1000);
  my $buf = '';
  for (1 .. $per) { last if $seq >= $total; $seq++; $buf .= "$stamp [$$] LOG:  $tag seq=$seq t=$ms\n"; }
  defined(syswrite($fh, $buf)) or die "write: $!\n";
}
printf "%d %.3f\n", $seq, time - $start;
`;

type ClickWindow = { benchClicks: number[] };

async function armClickTimer(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as ClickWindow;
    w.benchClicks = [];
    let pending: number | null = null;
    document.addEventListener(
      'click',
      (e) => {
        if ((e.target as Element | null)?.closest('[data-testid^="lang-"]')) pending = e.timeStamp;
      },
      true,
    );
    new MutationObserver(() => {
      if (pending === null) return;
      const start = pending;
      pending = null;
      requestAnimationFrame(() => w.benchClicks.push(performance.now() - start));
    }).observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  });
}

export async function measureLogBurst(
  run: HostsRun,
  ctl: Controller,
  page: Page,
  rate: number,
  seconds: number,
) {
  const host = run.hosts[0];
  if (!host) throw new Error('logBurst needs a host');
  const tag = `walboard-bench-burst-${Date.now()}`;
  const lineRe = new RegExp(`${tag} seq=(\\d+) t=([\\d.]+)`);
  const latencies: number[] = [];
  const seen = new Set<number>();
  let lastSeq = 0;
  let outOfOrder = 0;
  let duplicates = 0;
  let droppedFirst: number | null = null;
  let droppedLast = 0;
  let serverSeqGaps = 0;
  let lastServerSeq: number | null = null;
  const viewers = await connectViewers(ctl, CLUSTER, 1);
  const viewer = viewers.sockets[0];
  if (!viewer) throw new Error('no viewer');
  viewer.on('log:lines', (ev) => {
    if (ev.node !== host.name) return;
    const now = Date.now();
    droppedFirst ??= ev.dropped;
    droppedLast = ev.dropped;
    for (const line of ev.lines) {
      if (lastServerSeq !== null && line.seq > lastServerSeq + 1)
        serverSeqGaps += line.seq - lastServerSeq - 1;
      if (lastServerSeq === null || line.seq > lastServerSeq) lastServerSeq = line.seq;
      const m = lineRe.exec(line.text);
      if (!m) continue;
      const seq = Number(m[1]);
      if (seen.has(seq)) {
        duplicates++;
        continue;
      }
      seen.add(seq);
      if (seq < lastSeq) outOfOrder++;
      lastSeq = Math.max(lastSeq, seq);
      latencies.push(now - Number(m[2]));
    }
  });
  const ack = await viewer
    .timeout(10_000)
    .emitWithAck('log:subscribe', { cluster: CLUSTER, node: host.name });
  if (!ack.ok) {
    viewers.close();
    return { skipped: `log:subscribe refused: ${ack.message}` };
  }

  // The page follows the same node's log while the user clicks the language switch; tall enough
  // that the header and the log panel are both on screen (the list paints what it receives).
  await page.setViewportSize({ width: 1280, height: 2400 });
  await page.goto(ctl.url);
  await page.getByTestId(`log-tab-${host.name}`).click({ timeout: 30_000 });
  await page.getByTestId(`log-panel-${host.name}`).waitFor({ timeout: 10_000 });
  await armClickTimer(page);

  const total = Math.floor(rate * seconds);
  const writer = runOnHost(
    run,
    host,
    ['perl', '-e', WRITER, host.pg.logFile, String(rate), String(seconds), tag],
    {
      asUser: 'postgres',
      timeoutMs: (seconds + 60) * 1000,
    },
  );
  let writing = true;
  const clickRoundTrip: number[] = [];
  // Attached at once: a failed click must not become an unhandled rejection while the writer runs.
  const clicker = (async () => {
    let lang: 'es' | 'en' = 'es';
    while (writing) {
      await sleep(500);
      // Where to click is found before the clock starts: the figure is the page's, not playwright's.
      const button = page.getByTestId(`lang-${lang}`);
      await button.scrollIntoViewIfNeeded();
      const box = await button.boundingBox();
      if (!box) throw new Error(`the lang-${lang} button is not on the page`);
      const t = performance.now();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction((l) => document.documentElement.lang === l, lang, {
        timeout: 5000,
        polling: 10,
      });
      clickRoundTrip.push(performance.now() - t);
      lang = lang === 'es' ? 'en' : 'es';
    }
  })().then(
    () => null,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  const res = await writer.finally(() => {
    writing = false;
  });
  const clickFailure = await clicker;
  if (clickFailure) throw new Error(`a click during the burst was not answered: ${clickFailure}`);
  const panelBox = await page.getByTestId(`log-panel-${host.name}`).boundingBox();
  const viewport = page.viewportSize();
  const panelOnScreen = !!panelBox && !!viewport && panelBox.y >= 0 && panelBox.y < viewport.height;
  const [written, elapsed] = res.stdout.trim().split(/\s+/).map(Number);
  const dropped = () => droppedLast - (droppedFirst ?? 0);
  // Delivery ends when every line is in or counted as dropped, or nothing came for 3 s.
  let lastCount = -1;
  let quietSince = Date.now();
  await until(() => {
    if (seen.size !== lastCount) {
      lastCount = seen.size;
      quietSince = Date.now();
    }
    return seen.size + dropped() >= total || Date.now() - quietSince > 3000;
  }, 60_000);
  // The page followed the burst to its end: its newest line is the last one written.
  const pageShowedLastLine = await page
    .getByTestId(`log-panel-${host.name}`)
    .getByText(`${tag} seq=${total} `)
    .first()
    .waitFor({ timeout: 10_000 })
    .then(
      () => true,
      () => false,
    );
  const clicksInPage = await page.evaluate(() => (window as unknown as ClickWindow).benchClicks);
  viewers.close();
  const lat = summary(latencies);
  const clicks = summary(clicksInPage);
  const unaccounted = Math.max(0, total - seen.size - dropped());
  return {
    linesPerSecond: round((written ?? 0) / (elapsed ?? 1), 0),
    written: written ?? 0,
    writeSeconds: round(elapsed ?? 0, 2),
    delivered: seen.size,
    dropped: dropped(),
    unaccounted,
    inOrder: outOfOrder === 0,
    duplicates,
    serverSeqGaps,
    p50Ms: lat.p50,
    p99Ms: lat.p99,
    maxMs: lat.max,
    clickToFrameMs: clicks,
    clickRoundTripMs: summary(clickRoundTrip),
    pageShowedLastLine,
    logPanelOnScreen: panelOnScreen,
    plain: {
      note: 'no plain figure in performance-anchors.md (`tail -f` in a terminal has no page to keep usable)',
    },
    goal: 'every line delivered in order or each drop counted; p99 ≤ 1 s; a click answered within 200 ms',
    pass:
      unaccounted === 0 &&
      outOfOrder === 0 &&
      duplicates === 0 &&
      lat.n > 0 &&
      lat.p99 <= 1000 &&
      clicks.n > 0 &&
      clicks.max <= 200 &&
      pageShowedLastLine,
  };
}
