import type { Operation } from '@walboard/shared/operations';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Actor } from '../auth/actor.ts';
import { installErrorHandler } from '../http/errors.ts';
import { operationReadRoutes, operationWriteRoutes } from '../http/operation-routes.ts';
import type { OperationRunner } from './operation-runner.ts';

/** Collects published operations and resolves when one finishes (tests wait for events, not time). */
export class PublishedOperations {
  readonly events: Operation[] = [];
  private readonly waiters: { id: string; resolve: (op: Operation) => void }[] = [];

  readonly publish = (op: Operation): void => {
    this.events.push(op);
    if (op.state === 'running') return;
    for (const w of this.waiters.filter((x) => x.id === op.id)) w.resolve(op);
  };

  finished(id: string, ms = 60_000): Promise<Operation> {
    const done = this.events.find((e) => e.id === id && e.state !== 'running');
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`operation ${id} did not finish within ${ms} ms`)), ms);
      this.waiters.push({
        id,
        resolve: (op) => {
          clearTimeout(t);
          resolve(op);
        },
      });
    });
  }
}

/**
 * The operation routes in a small Fastify, as the lead's scopes register them: the actor is set
 * by an onRequest hook (the auth scope's job in production); `x-test-clusters` narrows what it sees.
 */
export async function operationTestApp(runner: OperationRunner, audit: AuditLog): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandler(app, { pageFallback: false });
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (req) => {
    const h = req.headers['x-test-clusters'];
    const actor: Actor = {
      username: 'alice',
      role: 'operator',
      clusters: typeof h === 'string' ? h.split(',') : null,
      sessionId: 'test-session',
    };
    req.actor = actor;
  });
  await app.register(operationReadRoutes, { prefix: '/api', runner, audit });
  await app.register(operationWriteRoutes, { prefix: '/api', runner, audit });
  return app;
}
