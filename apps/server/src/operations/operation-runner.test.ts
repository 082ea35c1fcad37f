import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeSchema } from '@walboard/shared/config';
import type { Operation, OperationRequest } from '@walboard/shared/operations';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.ts';
import { LocalTransport } from '../nodes/local-transport.ts';
import { NodeSession } from '../nodes/node-session.ts';
import { openStore, type WalboardStore } from '../store/database.ts';
import { OperationStore } from '../store/operation-store.ts';
import type { OperationDefinition } from './operation-module.ts';
import { OperationRunner } from './operation-runner.ts';
import type { ExecStep } from './plan-types.ts';
import { commandStep, customStep, ok } from './step-builders.ts';
import { PublishedOperations } from './test-support.ts';

/**
 * The runner itself, with planners written here: output streamed while a step runs, cancel
 * between steps but never inside a critical section, a long step that stops on cancel and the
 * clean-up that runs whatever happens. Commands are real (/bin/sh on this machine).
 */
describe('OperationRunner: streaming, cancel, critical steps, clean-up', () => {
  let dir: string;
  let store: WalboardStore;
  let runner: OperationRunner;
  let published: PublishedOperations;
  const times: { at: number; op: Operation }[] = [];

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

  function setup(steps: () => ExecStep[]): void {
    dir = mkdtempSync(join(tmpdir(), 'wb-runner-'));
    store = openStore(dir);
    published = new PublishedOperations();
    times.length = 0;
    const definition: OperationDefinition = {
      type: 'start',
      build: async (req) => {
        const built = steps();
        return {
          plan: {
            type: req.type,
            cluster: 'c',
            node: 'n1',
            destructive: false,
            steps: built.map((s) => s.shown),
          },
          steps: built,
          nextAction: 'look at n1, then plan again',
        };
      },
    };
    runner = new OperationRunner({
      sessions: [session],
      store: new OperationStore(store.db),
      audit: new AuditLog(store.audit),
      publish: (op) => {
        times.push({ at: performance.now(), op });
        published.publish(op);
      },
      definitions: () => definition,
    });
  }

  afterEach(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const req: OperationRequest = { type: 'start', node: 'n1', dryRun: false, confirm: true, params: {} };
  const who = { username: 'alice', source: '127.0.0.1' };

  it('publishes a line of output within 200 ms of its being printed, while the step still runs', async () => {
    setup(() => [commandStep('n1', 'two lines a second apart', ['sh', '-c', 'echo one; sleep 1; echo two'])]);
    const t0 = performance.now();
    const { id } = await runner.start('c', req, who);
    const op = await published.finished(id);
    expect(op.state).toBe('succeeded');
    expect(op.steps[0]?.output).toBe('one\ntwo');
    const first = times.find((x) => x.op.steps[0]?.state === 'running' && x.op.steps[0].output === 'one');
    expect(first).toBeDefined();
    // "one" is printed at once: it must be on the page long before the step's end (~1 s).
    expect((first?.at ?? 0) - t0).toBeLessThan(300);
    const ended = times.find((x) => x.op.state === 'succeeded');
    expect((ended?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThan(700);
  });

  it('cancel waits through critical steps, stops at the next safe boundary, and says what ran', async () => {
    const ran: string[] = [];
    const step = (name: string, critical: boolean, ms: number) =>
      customStep(
        { node: 'n1', kind: 'check', title: name, ...(critical ? { critical: true } : {}) },
        async () => {
          ran.push(name);
          await new Promise((r) => setTimeout(r, ms));
          return ok(name);
        },
      );
    setup(() => [
      step('a', false, 300),
      step('b (critical)', true, 100),
      step('c (critical)', true, 100),
      step('d', false, 10),
    ]);
    const { id } = await runner.start('c', req, who);
    await new Promise((r) => setTimeout(r, 100));
    const asked = runner.cancel(id, who);
    expect(asked.cancelRequested).toBe(true);
    const op = await published.finished(id);
    expect(ran).toEqual(['a', 'b (critical)', 'c (critical)']);
    expect(op.state).toBe('cancelled');
    expect(op.steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'skipped']);
    expect(op.message).toMatch(/cancelled before step 4: 3 steps had run/);
    expect(op.nextAction).toBe('look at n1, then plan again');
    // Cancelling what has ended is refused, with its end state.
    expect(() => runner.cancel(id, who)).toThrow(/is not running: it ended as cancelled/);
    expect(store.audit.list({ limit: 5, action: 'operation.cancel' }).map((e) => e.result)).toEqual([
      'refused',
      'ok',
    ]);
  });

  it('a long step stops at once on cancel; clean-ups run and the lock is free again', async () => {
    let cleaned = false;
    setup(() => [
      customStep({ node: 'n1', kind: 'copy', title: 'a long copy' }, async (rt) => {
        rt.onCleanup(() => {
          cleaned = true;
        });
        rt.progress({ doneBytes: 10, totalBytes: 100, bytesPerSecond: 10, etaSeconds: 9 });
        await new Promise<void>((resolve) =>
          rt.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        return { ok: false, cancelled: true, output: '', exitCode: null, reason: 'the copy was stopped' };
      }),
      commandStep('n1', 'never', ['true']),
    ]);
    const { id } = await runner.start('c', req, who);
    await new Promise((r) => setTimeout(r, 150));
    expect(runner.get(id)?.steps[0]?.progress?.doneBytes).toBe(10);
    const t = performance.now();
    runner.cancel(id, who);
    const op = await published.finished(id);
    expect(performance.now() - t).toBeLessThan(500);
    expect(op.state).toBe('cancelled');
    expect(op.message).toMatch(/cancelled during step 1 \(a long copy\): the copy was stopped/);
    expect(op.steps.map((s) => s.state)).toEqual(['failed', 'skipped']);
    expect(cleaned).toBe(true);
    expect(runner.running('c')).toBeNull();
  });
});
