// Refusals that need real, separate hosts: a version mismatch (h3 runs PostgreSQL 18), archiving
// planned before the nodes can ssh to each other, and a standby that already streams from
// another primary. Also: a viewer may not run any operation type. Each refusal names the node
// and what to do, and nothing on the hosts changes.
import { addUser, type SignedIn, signIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import { OPERATION_TYPES } from '@walboard/shared/operations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psql } from '../hosts/harness.ts';
import { runOperation, startOperation, whyFailed } from '../support/operations-api.ts';
import { type WalboardOnHosts, waitForNodesUp, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('replication refusals on bare hosts h1 (15), h2 (15), h3 (18)', () => {
  let t: WalboardOnHosts;
  let viewer: SignedIn;

  beforeAll(async () => {
    t = await walboardOnHosts({ versions: [15, 15, 18], bare: true });
    await addUser(t.wb.app, 'vera', 'viewer', 'vera-password-123');
    viewer = await signIn(t.wb.url, 'vera', 'vera-password-123');
    await waitForNodesUp(t.wb);
  });
  afterAll(async () => t?.close());

  const refused = async (body: object, status: number, message: RegExp) => {
    const res = await startOperation(t.wb, body);
    const text = await res.text();
    expect(res.status, text).toBe(status);
    expect((JSON.parse(text) as { message: string }).message).toMatch(message);
  };

  it('a viewer gets 403 for every operation type, and nothing runs', async () => {
    for (const type of OPERATION_TYPES) {
      const res = await startOperation(t.wb, { type, node: 'h1', params: {} }, viewer);
      expect(res.status, type).toBe(403);
    }
  });

  it('preflight fails the version check for h3 and says why; base-backup onto h3 is refused', async () => {
    const op = await runOperation(t.wb, { type: 'preflight', node: 'h1', params: { standbys: ['h3'] } });
    expect(op.state).toBe('failed');
    const version = op.steps.find((s) => s.title.startsWith('Same PostgreSQL major version'));
    expect(version?.state).toBe('failed');
    expect(version?.output).toMatch(/h3 has PostgreSQL 18, h1 15/);
    // Every other check still ran.
    expect(op.steps.filter((s) => s.state === 'succeeded').length).toBeGreaterThan(3);
    await refused(
      { type: 'base-backup', node: 'h3', params: { from: 'h1' } },
      422,
      /h3 has PostgreSQL 18 binaries and h1 runs 15/,
    );
  });

  it('configure-primary is refused while h1 cannot ssh to h2 (before link-nodes), and changes nothing', async () => {
    await refused(
      { type: 'configure-primary', node: 'h1', params: { standbys: ['h2'] } },
      422,
      /h1 cannot reach h2 over ssh without a password .*run link-nodes first/,
    );
    const mode = await psql<{ s: string }>(
      t.run,
      'h1',
      "SELECT setting AS s FROM pg_settings WHERE name = 'archive_mode'",
    );
    expect(mode[0]?.s).toBe('off');
  });

  it('a standby that streams from h1 is not taken by h3', async () => {
    const op = await runOperation(t.wb, {
      type: 'setup-replication',
      node: 'h1',
      params: { standbys: ['h2'] },
    });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    await refused(
      { type: 'base-backup', node: 'h2', params: { from: 'h3' } },
      422,
      /h2 is a standby streaming from 10\.213\.\d+\.2:5432, not from h3/,
    );
    await refused(
      { type: 'configure-standby', node: 'h2', params: { primary: 'h3' } },
      422,
      /h2 streams from 10\.213\.\d+\.2:5432 now, not from h3/,
    );
    expect((await psql<{ r: boolean }>(t.run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
  });
});
