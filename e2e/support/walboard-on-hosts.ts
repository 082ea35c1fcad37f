import type { Page } from 'playwright-core';
import { down, type HostsRun, up } from '../hosts/harness.ts';
import { type BrowserHandle, launchChromium } from './browser.ts';
import { closeWalboardWithin } from './close-walboard.ts';
import { configForHosts, type RunningWalboard, startWalboard } from './walboard.ts';

/** Test hosts, walboard on them, and (optionally) Chromium on its page — the usual e2e set-up. */
export interface WalboardOnHosts {
  run: HostsRun;
  wb: RunningWalboard;
  browser: BrowserHandle | null;
  /** A new page of the browser (throws when started without one). */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Brings up `versions.length` hosts (h1…), runs `prepare`, starts walboard on them (first admin signed in) and,
 * with `browser`, Chromium — signed in as that admin unless `signedIn: false`. Whatever was
 * started is stopped by close(), also when the set-up itself failed halfway.
 */
export async function walboardOnHosts(
  opts: {
    versions?: number[];
    browser?: boolean;
    signedIn?: boolean;
    /** Runs on the hosts before walboard starts (a standby to build, archiving to turn on…). */
    prepare?: (run: HostsRun) => Promise<void>;
    /** Hosts as the lab guide starts from (see up()). */
    bare?: boolean;
  } = {},
): Promise<WalboardOnHosts> {
  const versions = opts.versions ?? [15];
  let run: HostsRun | null = null;
  let wb: RunningWalboard | null = null;
  let browser: BrowserHandle | null = null;
  const close = async () => {
    await browser?.close();
    await closeWalboardWithin(wb ?? undefined);
    if (run) await down(run);
  };
  try {
    run = await up(versions.length, versions, { bare: opts.bare ?? false });
    const [h1] = run.hosts;
    if (!h1) throw new Error('the harness created no host');
    await opts.prepare?.(run);
    wb = await startWalboard(configForHosts(run).config, h1.pg.password);
    if (opts.browser) browser = await launchChromium(opts.signedIn === false ? undefined : wb);
    const b = browser;
    const newPage = async () => {
      if (!b) throw new Error('walboardOnHosts was started without a browser');
      return b.context.newPage();
    };
    return { run, wb, browser, newPage, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Waits until walboard reaches PostgreSQL on every node of the lab cluster. */
export async function waitForNodesUp(wb: RunningWalboard, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!wb.app.monitor.snapshot('lab')?.nodes.every((n) => n.reachability.pg === 'up')) {
    if (Date.now() > until) throw new Error(`nodes not up within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
