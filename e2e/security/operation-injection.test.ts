// Hostile input at the operations API on real hosts: shell metacharacters and option-looking
// values in node names, paths, application_name and slot names are refused by schema, audited,
// and nothing runs; a viewer cannot run anything; quote-laden settings are escaped so that the
// config file stays valid and PostgreSQL reads back exactly the value asked for.
import { addUser, type SignedIn, signIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostsRun, psql, runOnHost } from '../hosts/harness.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

const CANARY = '/tmp/walboard-pwned';
const HOSTILE = [
  `x;touch ${CANARY}`,
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `x\ntouch ${CANARY}`,
  `x'; touch ${CANARY}; '`,
  `x\\'; touch ${CANARY}`,
  `-oProxyCommand=touch ${CANARY}`,
  '--help',
];

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hostile input at the operations API', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let wb: RunningWalboard;
  let operator: SignedIn;
  let viewer: SignedIn;

  beforeAll(async () => {
    t = await walboardOnHosts();
    ({ run, wb } = t);
    await addUser(wb.app, 'otto', 'operator', 'otto-password-123');
    await addUser(wb.app, 'vera', 'viewer', 'vera-password-123');
    operator = await signIn(wb.url, 'otto', 'otto-password-123');
    viewer = await signIn(wb.url, 'vera', 'vera-password-123');
    await waitFor(() => wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg === 'up', 20_000);
  });

  afterAll(async () => t?.close());

  const post = (who: SignedIn, body: unknown) =>
    fetch(`${wb.url}/api/clusters/lab/operations`, {
      method: 'POST',
      headers: who.mutation,
      body: JSON.stringify(body),
    });
  const canaryExists = async () => {
    const r = await runOnHost(run, 'h1', ['test', '-e', CANARY]).catch(() => ({ code: 1 }));
    return (r as { code: number | null }).code === 0;
  };
  const refusedCount = async () => {
    const res = await fetch(`${wb.url}/api/audit?action=operation.refused&limit=1000`, {
      headers: { cookie: wb.admin.cookie },
    });
    return ((await res.json()) as { entries: unknown[] }).entries.length;
  };

  it('refuses every hostile node name, path, application_name and slot name; audits each; runs nothing', async () => {
    const before = await refusedCount();
    let sent = 0;
    for (const bad of HOSTILE) {
      const bodies = [
        { type: 'start', node: bad },
        { type: 'prepare-archive-dir', node: 'h1', params: { path: bad } },
        // Inside a path, "--help" is just a directory name (the path starts with "/", and the
        // template puts "--" first): only shell characters must be refused there.
        ...(bad === '--help'
          ? []
          : [{ type: 'prepare-archive-dir', node: 'h1', params: { path: `/var/lib/postgresql/${bad}` } }]),
        { type: 'create-slot', node: 'h1', params: { slotName: bad } },
        {
          type: 'set-standby-source',
          node: 'h1',
          confirm: true,
          params: { host: 'h2', user: 'postgres', applicationName: bad },
        },
        {
          type: 'set-standby-source',
          node: 'h1',
          confirm: true,
          params: { host: bad, user: 'postgres', applicationName: 'h1' },
        },
        { type: 'set-settings', node: 'h1', confirm: true, params: { settings: { [bad]: 'on' } } },
      ];
      for (const body of bodies) {
        const res = await post(operator, body);
        sent++;
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
    }
    expect(await refusedCount()).toBe(before + sent);
    expect(await canaryExists()).toBe(false);
    const ops = await fetch(`${wb.url}/api/clusters/lab/operations`, {
      headers: { cookie: wb.admin.cookie },
    });
    expect(await ops.json()).toEqual([]);
  });

  it('answers 403 to a viewer running an operation, and audits it', async () => {
    const res = await post(viewer, {
      type: 'stop',
      node: 'h1',
      confirm: true,
      params: { mode: 'immediate' },
    });
    expect(res.status).toBe(403);
    const audit = await fetch(`${wb.url}/api/audit?action=request.refused`, {
      headers: { cookie: wb.admin.cookie },
    });
    const { entries } = (await audit.json()) as { entries: { username: string; message: string }[] };
    expect(entries[0]).toMatchObject({ username: 'vera' });
    expect(entries[0]?.message).toContain('operator');
    expect(wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg).toBe('up');
  });

  it('writes quote-laden and SQL-looking settings escaped: the file stays valid, PostgreSQL reads them back exactly', async () => {
    const value = `x'; DROP TABLE pg_class; -- \\ "q" #no-comment`;
    const res = await post(operator, {
      type: 'set-settings',
      node: 'h1',
      confirm: true,
      params: { settings: { cluster_name: value } },
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const op = await finished(id);
    expect(op.state, JSON.stringify(op)).toBe('succeeded');
    // The plan showed a backup and every argv it ran; none carries the PostgreSQL password.
    const [h1] = run.hosts;
    expect(JSON.stringify(op.steps)).not.toContain(h1?.pg.password ?? 'x');
    // cluster_name needs a restart: through the same API.
    const restart = await post(operator, {
      type: 'restart',
      node: 'h1',
      confirm: true,
      params: { mode: 'fast' },
    });
    expect(restart.status).toBe(202);
    expect((await finished(((await restart.json()) as { id: string }).id)).state).toBe('succeeded');
    await expect
      .poll(async () => (await psql<{ v: string }>(run, 'h1', 'SHOW cluster_name').catch(() => []))[0], {
        timeout: 20_000,
      })
      .toEqual({ cluster_name: value });
    const errors = await psql(
      run,
      'h1',
      'SELECT sourcefile, error FROM pg_file_settings WHERE error IS NOT NULL',
    );
    expect(errors).toEqual([]);
    expect(await canaryExists()).toBe(false);
  });

  async function finished(id: string): Promise<{ state: string; steps: unknown[] }> {
    let op: { state: string; steps: unknown[] } = { state: 'running', steps: [] };
    await expect
      .poll(
        async () => {
          const r = await fetch(`${wb.url}/api/operations/${id}`, { headers: { cookie: wb.admin.cookie } });
          op = (await r.json()) as typeof op;
          return op.state;
        },
        { timeout: 60_000, interval: 200 },
      )
      .not.toBe('running');
    return op;
  }
});
