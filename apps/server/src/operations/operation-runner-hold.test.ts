import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeSchema } from '@walboard/shared/config';
import type { OperationRequest } from '@walboard/shared/operations';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.ts';
import { LocalTransport } from '../nodes/local-transport.ts';
import { NodeSession } from '../nodes/node-session.ts';
import { openStore, type WalboardStore } from '../store/database.ts';
import { OperationStore } from '../store/operation-store.ts';
import { OperationError } from './operation-errors.ts';
import { OperationRunner } from './operation-runner.ts';
import { commandStep } from './step-builders.ts';
import { PublishedOperations } from './test-support.ts';

/** hold(): work outside the runner (the lab reset) and operations exclude each other per cluster. */
describe('OperationRunner.hold', () => {
  let dir: string;
  let store: WalboardStore;

  afterEach(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function runner(): { runner: OperationRunner; published: PublishedOperations } {
    dir = mkdtempSync(join(tmpdir(), 'wb-hold-'));
    store = openStore(dir);
    const node = nodeSchema.parse({
      name: 'n1',
      transport: 'local',
      postgres: { binDir: '/usr/lib/postgresql/15/bin', dataDir: '/nonexistent/data' },
    });
    const session = new NodeSession('c', node, new LocalTransport({ node: 'n1' }), {
      host: '127.0.0.1',
      port: 1,
      user: 'x',
      database: 'x',
      password: undefined,
    });
    const published = new PublishedOperations();
    const r = new OperationRunner({
      sessions: [session],
      store: new OperationStore(store.db),
      audit: new AuditLog(store.audit),
      publish: published.publish,
      definitions: () => ({
        type: 'start',
        build: async (req) => {
          const steps = [commandStep('n1', 'half a second of work', ['sleep', '0.5'])];
          return {
            plan: {
              type: req.type,
              cluster: 'c',
              node: 'n1',
              destructive: false,
              steps: steps.map((s) => s.shown),
            },
            steps,
            nextAction: 'none',
          };
        },
      }),
    });
    return { runner: r, published };
  }
  const req: OperationRequest = { type: 'start', node: 'n1', dryRun: false, confirm: true, params: {} };
  const who = { username: 'alice', source: '127.0.0.1' };

  it('is refused (409, naming the operation) while an operation runs, and granted once it ended', async () => {
    const { runner: r, published } = runner();
    const { id } = await r.start('c', req, who);
    let refusal: unknown;
    try {
      r.hold('c', { type: 'lab-reset', node: 'c', by: 'lab' });
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(OperationError);
    expect((refusal as OperationError).statusCode).toBe(409);
    expect((refusal as OperationError).message).toContain(
      `operation ${id} (start on n1, by alice) is running`,
    );
    await published.finished(id);
    const release = r.hold('c', { type: 'lab-reset', node: 'c', by: 'lab' });
    expect(r.running('c')).toMatchObject({ type: 'lab-reset', by: 'lab' });
    release();
    expect(r.running('c')).toBeNull();
  });

  it('keeps operations out until released; a second release does not free a later holder', async () => {
    const { runner: r, published } = runner();
    const release = r.hold('c', { type: 'lab-reset', node: 'c', by: 'lab' });
    await expect(r.start('c', req, who)).rejects.toThrow(/cluster c is busy: .*lab-reset on c, by lab/);
    release();
    const { id } = await r.start('c', req, who);
    release(); // stale: must not drop the operation's hold
    expect(r.running('c')).toMatchObject({ id, type: 'start' });
    await published.finished(id);
  });
});
