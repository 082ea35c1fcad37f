// A viewer that asks for log replays in a loop (40 log:subscribe, 30 parallel GET …/log) must not
// make the controller serialize hundreds of megabytes: a subscribe to a log already followed is a
// no-op, replays are rationed per session, each is bounded in bytes, and /api/health stays fast.
import { addUser, signIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostsRun, psql, up } from '../hosts/harness.ts';
import { viewerSocket } from '../support/bench-socket.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';

const MiB = 1024 * 1024;

/** Probes /api/health every 20 ms while `during` runs; returns the latencies (ms). */
async function healthWhile(url: string, during: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  let on = true;
  const probe = (async () => {
    while (on) {
      const t = performance.now();
      const res = await fetch(`${url}/api/health`);
      await res.text();
      times.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await during();
  } finally {
    on = false;
    await probe;
  }
  return times;
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? Number.NaN;

describe('log replays cannot be used to flood the controller', () => {
  let run: HostsRun;
  let wb: RunningWalboard;

  beforeAll(async () => {
    run = await up(1, [15]);
    const [h1] = run.hosts;
    if (!h1) throw new Error('the harness did not create h1');
    wb = await startWalboard(configForHosts(run).config, h1.pg.password);
    // 2,000 lines of 4 KB in h1's server log: a full ring, ~8 MB per unbounded replay.
    await psql(
      run,
      h1,
      "DO $$ BEGIN FOR i IN 1..2000 LOOP RAISE LOG 'flood % %', i, repeat('x', 4000); END LOOP; END $$",
    );
    const until = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${wb.url}/api/clusters/lab/nodes/h1/log?lines=2000`, {
        headers: { cookie: wb.admin.cookie },
      });
      const log = res.ok ? ((await res.json()) as { lines: { text: string }[]; dropped: number }) : null;
      // The last one is in: the ring (2,000 lines) is full of them and their CONTEXT lines.
      if (log?.lines.some((l) => l.text.includes('flood 2000 '))) break;
      if (Date.now() > until) throw new Error('the flood lines never reached the log ring');
      await new Promise((r) => setTimeout(r, 1000));
    }
  });

  afterAll(async () => {
    await wb?.close();
    if (run) await down(run);
  });

  it('40 log:subscribe and 40 unsubscribe/subscribe rounds: a handful of bounded replays, health stays fast', async () => {
    await addUser(wb.app, 'flo', 'viewer', 'flo-password-1234', null);
    const flo = await signIn(wb.url, 'flo', 'flo-password-1234');
    const socket = viewerSocket(wb.url, flo.cookie);
    let replays = 0;
    let bytes = 0;
    socket.on('log:lines', (ev) => {
      const size = JSON.stringify(ev).length;
      bytes += size;
      if (ev.lines.length > 50) {
        replays++;
        expect(size).toBeLessThan(0.6 * MiB);
      }
    });
    socket.connect();
    const sub = () =>
      new Promise<boolean>((resolve) =>
        socket.emit('log:subscribe', { cluster: 'lab', node: 'h1' }, (ack) => resolve(ack.ok)),
      );
    let refused = 0;
    const health = await healthWhile(wb.url, async () => {
      // Already following after the first: the other 39 are no-ops.
      for (let i = 0; i < 40; i++) await sub();
      await new Promise((r) => setTimeout(r, 300));
      expect(replays).toBe(1);
      // Leaving and coming back each time: now the session's budget decides.
      for (let i = 0; i < 40; i++) {
        socket.emit('log:unsubscribe', { cluster: 'lab', node: 'h1' });
        if (!(await sub())) refused++;
      }
      await new Promise((r) => setTimeout(r, 500));
    });
    socket.close();
    console.info(
      `socket flood: ${replays} replays, ${(bytes / MiB).toFixed(1)} MiB sent, ${refused} refused; ` +
        `health p99 ${p99(health).toFixed(1)} ms over ${health.length} probes`,
    );
    // Unbounded, 81 replays of this log would be ~650 MiB.
    expect(replays).toBeLessThanOrEqual(10);
    // Every round after the first either replayed (within the budget) or was refused: nothing else.
    expect(refused + replays - 1).toBe(40);
    expect(refused).toBeGreaterThanOrEqual(25);
    expect(bytes).toBeLessThan(6 * MiB);
    expect(p99(health)).toBeLessThan(100);
  });

  it('30 parallel GET …/log?lines=2000 from one session: most get 429 + Retry-After, none is over ~0.5 MiB', async () => {
    await addUser(wb.app, 'gus', 'viewer', 'gus-password-1234', null);
    const gus = await signIn(wb.url, 'gus', 'gus-password-1234');
    const answers: { status: number; size: number; retryAfter: string | null }[] = [];
    const health = await healthWhile(wb.url, async () => {
      const all = await Promise.all(
        Array.from({ length: 30 }, async () => {
          const res = await fetch(`${wb.url}/api/clusters/lab/nodes/h1/log?lines=2000`, {
            headers: { cookie: gus.cookie },
          });
          const body = await res.text();
          return { status: res.status, size: body.length, retryAfter: res.headers.get('retry-after') };
        }),
      );
      answers.push(...all);
    });
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    console.info(
      `REST flood: ${ok.length} answered (max ${(Math.max(...ok.map((a) => a.size)) / MiB).toFixed(2)} MiB), ` +
        `${limited.length} refused; health p99 ${p99(health).toFixed(1)} ms`,
    );
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThanOrEqual(8);
    expect(limited.length + ok.length).toBe(30);
    for (const a of limited) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    for (const a of ok) expect(a.size).toBeLessThan(0.6 * MiB);
    expect(p99(health)).toBeLessThan(100);
  });
});
