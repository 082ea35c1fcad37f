// An open live feed ends with the right to see it: access taken away, a session expired, a
// password changed. Each open socket is told why (session:ended) and stops receiving within 1 s,
// without sending anything itself; the session that changed its own password stays.
import { addUser, type SignedIn, signIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostsRun, up } from '../hosts/harness.ts';
import { type ViewerSocket, viewerSocket } from '../support/bench-socket.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';

interface Feed {
  socket: ViewerSocket;
  ended: Promise<{ reason: string; at: number }>;
  /** node:status events received after `since` (ms). */
  statusesAfter(since: number): number;
}

/** A viewer's live feed of cluster "lab": subscribed, following h1's log too. */
async function openFeed(url: string, who: SignedIn): Promise<Feed> {
  const socket = viewerSocket(url, who.cookie);
  const times: number[] = [];
  socket.on('node:status', () => times.push(Date.now()));
  const ended = new Promise<{ reason: string; at: number }>((resolve) =>
    socket.on('session:ended', (ev) => resolve({ reason: ev.reason, at: Date.now() })),
  );
  socket.connect();
  await new Promise<void>((resolve, reject) => {
    socket.emit('subscribe', { cluster: 'lab' }, (ack) =>
      ack.ok ? resolve() : reject(new Error(ack.message)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    socket.emit('log:subscribe', { cluster: 'lab', node: 'h1' }, (ack) =>
      ack.ok ? resolve() : reject(new Error(ack.message)),
    );
  });
  return { socket, ended, statusesAfter: (since) => times.filter((t) => t > since).length };
}

async function patchUser(wb: RunningWalboard, as: SignedIn, username: string, body: object): Promise<void> {
  const res = await fetch(`${wb.url}/api/users/${username}`, {
    method: 'PATCH',
    headers: as.mutation,
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Ended within 1 s of `from`, and nothing more arrives after that. */
async function expectEndedWithin1s(feed: Feed, from: number, reason: RegExp): Promise<void> {
  const ended = await Promise.race([feed.ended, new Promise<null>((r) => setTimeout(() => r(null), 2_000))]);
  expect(ended, 'session:ended never came').not.toBeNull();
  if (!ended) return;
  expect(ended.at - from).toBeLessThan(1_000);
  expect(ended.reason).toMatch(reason);
  await new Promise((r) => setTimeout(r, 500));
  expect(feed.socket.connected).toBe(false);
  expect(feed.statusesAfter(ended.at + 50)).toBe(0);
}

describe('a live feed ends with the right to see it', () => {
  let run: HostsRun;
  let wb: RunningWalboard;

  beforeAll(async () => {
    run = await up(1, [15]);
    const [h1] = run.hosts;
    if (!h1) throw new Error('the harness did not create h1');
    wb = await startWalboard(configForHosts(run).config, h1.pg.password);
  });

  afterAll(async () => {
    await wb?.close();
    if (run) await down(run);
  });

  it('access to the cluster taken away: the open feed ends within 1 s, told why', async () => {
    await addUser(wb.app, 'vera', 'viewer', 'vera-password-123', ['lab']);
    const vera = await signIn(wb.url, 'vera', 'vera-password-123');
    const feed = await openFeed(wb.url, vera);
    // The feed is live before the change.
    await expect.poll(() => feed.statusesAfter(0), { timeout: 5_000 }).toBeGreaterThan(0);
    const t0 = Date.now();
    await patchUser(wb, wb.admin, 'vera', { clusters: [] });
    await expectEndedWithin1s(feed, t0, /access was changed by admin/);
    // And the session is gone: no reconnecting with the old cookie.
    expect((await fetch(`${wb.url}/api/session`, { headers: { cookie: vera.cookie } })).status).toBe(401);
  });

  it('a lower role ends the feed too; a higher one does not', async () => {
    await addUser(wb.app, 'otto', 'operator', 'otto-password-123', null);
    let otto = await signIn(wb.url, 'otto', 'otto-password-123');
    let feed = await openFeed(wb.url, otto);
    await patchUser(wb, wb.admin, 'otto', { role: 'admin' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(feed.socket.connected).toBe(true);
    feed.socket.close();
    otto = await signIn(wb.url, 'otto', 'otto-password-123');
    feed = await openFeed(wb.url, otto);
    const t0 = Date.now();
    await patchUser(wb, wb.admin, 'otto', { role: 'viewer' });
    await expectEndedWithin1s(feed, t0, /access was changed/);
  });

  it('a session that expires closes its feed within 1 s, without the client sending anything', async () => {
    await addUser(wb.app, 'eve', 'viewer', 'eve-password-123', null);
    const eve = await signIn(wb.url, 'eve', 'eve-password-123');
    const feed = await openFeed(wb.url, eve);
    await expect.poll(() => feed.statusesAfter(0), { timeout: 5_000 }).toBeGreaterThan(0);
    // Time passing, as the store sees it: the session's idle expiry is now.
    const t0 = Date.now();
    wb.app.store.db.prepare("UPDATE sessions SET expires_at = ? WHERE username = 'eve'").run(t0);
    await expectEndedWithin1s(feed, t0, /expired/);
  });

  it('a password change ends every other session of that user; the one that made it stays', async () => {
    // Two browsers of the admin; the first changes its own password.
    await addUser(wb.app, 'admin-two', 'admin', 'admin-two-password', null);
    const here = await signIn(wb.url, 'admin-two', 'admin-two-password');
    const elsewhere = await signIn(wb.url, 'admin-two', 'admin-two-password');
    const hereFeed = await openFeed(wb.url, here);
    const elsewhereFeed = await openFeed(wb.url, elsewhere);
    const t0 = Date.now();
    await patchUser(wb, here, 'admin-two', { password: 'admin-two-new-password' });
    await expectEndedWithin1s(elsewhereFeed, t0, /password was changed by admin-two/);
    expect((await fetch(`${wb.url}/api/session`, { headers: { cookie: elsewhere.cookie } })).status).toBe(
      401,
    );
    // The session that made the change still works, and its feed still flows.
    expect((await fetch(`${wb.url}/api/session`, { headers: { cookie: here.cookie } })).status).toBe(200);
    expect(hereFeed.socket.connected).toBe(true);
    const after = Date.now();
    await expect.poll(() => hereFeed.statusesAfter(after), { timeout: 5_000 }).toBeGreaterThan(0);
    hereFeed.socket.close();

    // An admin resetting someone else's password ends all of that user's sessions.
    await addUser(wb.app, 'rita', 'viewer', 'rita-password-123', null);
    const rita = await signIn(wb.url, 'rita', 'rita-password-123');
    const ritaFeed = await openFeed(wb.url, rita);
    const t1 = Date.now();
    await patchUser(wb, wb.admin, 'rita', { password: 'rita-new-password-456' });
    await expectEndedWithin1s(ritaFeed, t1, /password was changed by admin/);
  });
});
