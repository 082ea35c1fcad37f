import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ErrorBody, hostKeyListSchema } from '@walboard/shared/api';
import { walboardConfigSchema } from '@walboard/shared/config';
import { hostKeyStatusSchema, type NodeStatus } from '@walboard/shared/status';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.ts';
import { StatusPoller } from '../monitor/status-poller.ts';
import { HostKeyGuard } from '../nodes/host-key-guard.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { buildSessions } from '../nodes/registry.ts';
import { SshTransport } from '../nodes/ssh-transport.ts';
import { freePort, type SshdFixture, startSshd } from '../nodes/test-support/sshd-fixture.ts';
import { openStore, type WalboardStore } from '../store/database.ts';
import { HostKeyStore } from '../store/host-key-store.ts';
import { installErrorHandler } from './errors.ts';
import { hostKeyAdminRoutes, hostKeyReadRoutes } from './host-key-routes.ts';

const authRequests = (sshd: SshdFixture) => sshd.log().match(/userauth-request for user/g)?.length ?? 0;
const logins = (sshd: SshdFixture) => sshd.log().match(/Accepted publickey/g)?.length ?? 0;

async function until<T>(what: string, probe: () => T | null | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('host key pinning: routes, guard, status and store against a real sshd', () => {
  let sshd: SshdFixture;
  let dir: string;
  let store: WalboardStore;
  let hostKeys: HostKeyStore;
  let sessions: NodeSession[] = [];
  let guard: HostKeyGuard;
  let poller: StatusPoller;
  let app: FastifyInstance;
  let t: SshTransport;
  const statuses: NodeStatus[] = [];
  let configFor: (hostKey?: string) => ReturnType<typeof walboardConfigSchema.parse>;

  const put = (node: string, body: unknown) =>
    app.inject({ method: 'PUT', url: `/api/clusters/c1/nodes/${node}/host-key`, payload: body as object });
  const audits = (action: string) => store.audit.list({ limit: 100, action });

  beforeAll(async () => {
    sshd = await startSshd({ logLevel: 'DEBUG1' });
    dir = mkdtempSync(join(tmpdir(), 'walboard-hostkey-routes-'));
    const keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, sshd.privateKey, { mode: 0o600 });
    const pgPort = await freePort();
    const postgres = { port: pgPort, binDir: '/usr/lib/postgresql/15/bin', dataDir: '/nonexistent' };
    configFor = (hostKey) =>
      walboardConfigSchema.parse({
        dataDir: join(dir, 'state'),
        clusters: [
          {
            name: 'c1',
            nodes: [
              {
                name: 'n1',
                host: sshd.host,
                ssh: {
                  user: sshd.user,
                  port: sshd.port,
                  privateKeyPath: keyFile,
                  ...(hostKey ? { hostKey } : {}),
                },
                postgres,
              },
              { name: 'l1', transport: 'local', runAs: 'postgres', postgres },
            ],
          },
        ],
      });
    const config = configFor();
    store = openStore(config.dataDir);
    hostKeys = new HostKeyStore(store.db);
    // A transport that re-dialled after a mismatch would do so every ~0.4 s with this.
    sessions = await buildSessions(config, {}, { hostKeys, ssh: { slowRetryMs: 400 } });
    const n1 = sessions.find((s) => s.name === 'n1');
    if (!n1 || !(n1.transport instanceof SshTransport)) throw new Error('n1 is not an ssh node');
    t = n1.transport;
    guard = new HostKeyGuard(sessions, hostKeys, new AuditLog(store.audit));
    poller = new StatusPoller(n1, (s) => statuses.push(s), {
      intervalMs: 200,
      timeoutMs: 500,
      heartbeatMs: 5000,
      minEmitGapMs: 20,
    });
    poller.start();

    app = Fastify();
    installErrorHandler(app, { pageFallback: false });
    app.decorateRequest('actor', null);
    // In production the admin scope signs the user in; here alice is simply the admin.
    app.addHook('onRequest', async (req) => {
      req.actor = { username: 'alice', role: 'admin', clusters: null, sessionId: 'test' };
    });
    await app.register(hostKeyReadRoutes, { prefix: '/api', guard });
    await app.register(hostKeyAdminRoutes, { prefix: '/api', guard, audit: new AuditLog(store.audit) });
    await app.ready();
  });

  afterAll(async () => {
    poller?.stop();
    guard?.close();
    await app?.close();
    await Promise.all(sessions.map((s) => s.transport.close()));
    store?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an unpinned node is not connected; the key it offers is listed and reaches the live status', async () => {
    const fp = sshd.hostKeyFingerprint;
    const status = await until('status with the offered key', () =>
      statuses.find((s) => s.hostKey?.offered === fp),
    );
    expect(status.hostKey).toEqual({
      state: 'unknown',
      pinned: null,
      offered: fp,
      offeredType: 'ssh-ed25519',
    });
    expect(status.reachability.ssh).toBe('down');
    expect(status.reachability.reason).toContain(`host key not pinned: the server offers ssh-ed25519 ${fp}`);

    const list = await app.inject({ method: 'GET', url: '/api/clusters/c1/host-keys' });
    expect(list.statusCode).toBe(200);
    // Only the ssh node: a local node has no host key.
    expect(hostKeyListSchema.parse(list.json())).toEqual({
      nodes: [{ node: 'n1', host: '127.0.0.1', hostKey: status.hostKey }],
    });
    expect((await app.inject({ method: 'GET', url: '/api/clusters/nope/host-keys' })).statusCode).toBe(404);
    expect(t.isUp()).toBe(false);
    expect(authRequests(sshd)).toBe(0);
  });

  it('refuses to pin what the server does not offer, bad bodies and unknown nodes, auditing each', async () => {
    const fp = sshd.hostKeyFingerprint;
    const other = `SHA256:${'Q'.repeat(43)}`;
    const wrong = await put('n1', { fingerprint: other });
    expect(wrong.statusCode).toBe(409);
    const body = wrong.json<ErrorBody>();
    expect(body.error).toBe('WB_ERR_HOST_KEY_NOT_OFFERED');
    expect(body.message).toContain(`offers the ssh-ed25519 key ${fp} right now, not ${other}`);

    expect((await put('n1', { fingerprint: 'MD5:aa:bb' })).statusCode).toBe(400);
    expect((await put('n1', { fingerprint: fp, by: 'mallory' })).statusCode).toBe(400);
    expect((await put('n9', { fingerprint: fp })).json<ErrorBody>().error).toBe('WB_ERR_NO_NODE');
    expect((await put('l1', { fingerprint: fp })).json<ErrorBody>().error).toBe('WB_ERR_NOT_SSH');

    expect(hostKeys.get('c1', 'n1')).toBeNull();
    expect(t.hostKeyStatus().state).toBe('unknown');
    const entries = audits('hostkey.pin');
    expect(entries.map((e) => [e.result, e.username, e.target, e.detail.fingerprint])).toEqual([
      ['refused', 'alice', 'c1/l1', fp],
      ['refused', 'alice', 'c1/n9', fp],
      ['refused', 'alice', 'c1/n1', fp],
      ['refused', 'alice', 'c1/n1', 'MD5:aa:bb'],
      ['refused', 'alice', 'c1/n1', other],
    ]);
  });

  it('pins the offered key: stored, audited, connected, runs a command, and the status says so', async () => {
    const fp = sshd.hostKeyFingerprint;
    const res = await put('n1', { fingerprint: fp });
    expect(res.statusCode).toBe(200);
    expect(hostKeyStatusSchema.parse(res.json())).toEqual({
      state: 'pinned',
      pinned: fp,
      offered: fp,
      offeredType: 'ssh-ed25519',
    });
    expect(hostKeys.get('c1', 'n1')).toMatchObject({ fingerprint: fp, pinnedBy: 'alice' });
    expect(audits('hostkey.pin')[0]).toMatchObject({ result: 'ok', username: 'alice', target: 'c1/n1' });
    expect(t.isUp()).toBe(true);
    expect((await t.exec(['echo', 'pinned'])).stdout).toBe('pinned\n');
    expect(logins(sshd)).toBe(1);
    await until('status: pinned and ssh up', () =>
      statuses.find((s) => s.hostKey?.state === 'pinned' && s.reachability.ssh === 'up'),
    );
  });

  it('a replaced host key: refused before auth, red alarm in the status, ONE audit entry, no retries', async () => {
    const pinned = sshd.hostKeyFingerprint;
    const auth0 = authRequests(sshd);
    const replaced = await sshd.replaceHostKey();
    const alarm = await until('mismatch in the status', () =>
      statuses.find((s) => s.hostKey?.state === 'mismatch' && s.reachability.ssh === 'down'),
    );
    expect(alarm.hostKey).toEqual({
      state: 'mismatch',
      pinned,
      offered: replaced,
      offeredType: 'ssh-ed25519',
    });
    expect(alarm.reachability.reason).toContain(`host key mismatch for n1`);
    expect(alarm.reachability.reason).toContain('pinned by alice');
    expect(authRequests(sshd)).toBe(auth0);

    const conns = sshd.connectionCount();
    await new Promise((r) => setTimeout(r, 2000));
    expect(sshd.connectionCount()).toBe(conns);
    const changed = audits('hostkey.changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({
      username: null,
      source: 'walboard',
      target: 'c1/n1',
      result: 'refused',
      detail: { pinned, offered: replaced, offeredType: 'ssh-ed25519' },
    });
    const list = hostKeyListSchema.parse((await app.inject({ url: '/api/clusters/c1/host-keys' })).json());
    expect(list.nodes[0]?.hostKey.state).toBe('mismatch');
  });

  it('re-pin: the old key is refused, the new one connects again', async () => {
    const old = hostKeys.get('c1', 'n1')?.fingerprint;
    const current = sshd.hostKeyFingerprint;
    expect(old).not.toBe(current);
    expect((await put('n1', { fingerprint: old })).statusCode).toBe(409);
    expect(t.hostKeyStatus().state).toBe('mismatch');
    const res = await put('n1', { fingerprint: current });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'pinned', pinned: current });
    expect((await t.exec(['echo', 'again'])).stdout).toBe('again\n');
    expect(hostKeys.get('c1', 'n1')?.fingerprint).toBe(current);
    await until('status: pinned again', () =>
      statuses.findLast((s) => s.hostKey?.state === 'pinned' && s.hostKey.pinned === current),
    );
    expect(audits('hostkey.changed')).toHaveLength(1);
  });

  it("at the next start the store's pin wins over walboard.yaml", async () => {
    // walboard.yaml still names the old key; the admin's pin in the store is the current one.
    const yamlOld = audits('hostkey.changed')[0]?.detail.pinned as string;
    const again = await buildSessions(configFor(yamlOld), {}, { hostKeys });
    try {
      const n1 = again.find((s) => s.name === 'n1')?.transport;
      if (!(n1 instanceof SshTransport)) throw new Error('n1 is not an ssh node');
      await n1.connect();
      expect(n1.hostKeyStatus()).toMatchObject({ state: 'pinned', pinned: sshd.hostKeyFingerprint });
    } finally {
      await Promise.all(again.map((s) => s.transport.close()));
    }
  });
});
