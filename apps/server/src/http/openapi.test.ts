// The OpenAPI document against the controller that really runs: every route of Fastify's route
// table is described, in its scope, with the JSON Schema of the validators it really uses; the
// document is structurally OpenAPI 3.1 and served only to signed-in users.
import { apiRoutes } from '@walboard/shared/api-routes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AuthTestApp, startAuthTestApp } from '../auth/test-support/auth-app.ts';
import { addUser, type SignedIn, signInInject } from '../auth/test-support/sign-in.ts';
import { openApiProblems, routeDescriptionProblems, type ServedRoute } from './openapi-check.ts';

type Doc = Record<string, unknown> & { paths: Record<string, Record<string, Record<string, unknown>>> };

describe('OpenAPI description', () => {
  let t: AuthTestApp;
  let viewer: SignedIn;
  let doc: Doc;

  beforeAll(async () => {
    // The embedded lab's options too, so that its routes (sign-in link, reset) are served.
    t = await startAuthTestApp({
      extraYaml: 'auth:\n  labAutoLogin: true',
      labReset: async () => {
        throw new Error('the OpenAPI test never resets the lab');
      },
    });
    await addUser(t.app, 'vera', 'viewer', 'vera-password-123');
    viewer = await signInInject(t.app, 'vera', 'vera-password-123');
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/openapi.json',
      headers: { cookie: viewer.cookie },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.json<Doc>();
  });
  afterAll(async () => t?.close());

  it('is served to signed-in users only', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(401);
  });

  it('is structurally valid OpenAPI 3.1: version, info, operations, parameters, every $ref resolves', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(openApiProblems(doc)).toEqual([]);
    // Not vacuous: the error answers are references into components.
    expect(JSON.stringify(doc)).toContain('"$ref":"#/components/responses/Error"');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
  });

  it('describes every route of the route table with the shapes the route validates, and nothing else', () => {
    const served = t.app.routeTable.filter((r) => r.url.startsWith('/api/'));
    expect(served.length).toBeGreaterThan(25);
    expect(routeDescriptionProblems(served, apiRoutes, doc)).toEqual([]);
    // One operation per described route: the lab's routes are served here too.
    const operations = Object.values(doc.paths).flatMap((item) => Object.keys(item));
    expect(operations.length).toBe(Object.keys(apiRoutes).length);
  });

  it('documents the limits the validator enforces (operations ?limit)', async () => {
    const op = doc.paths['/api/clusters/{cluster}/operations']?.get as {
      parameters: { name: string; schema: { maximum: number } }[];
    };
    const max = op.parameters.find((p) => p.name === 'limit')?.schema.maximum;
    expect(max).toBe(500);
    const at = (n: number) =>
      t.app.inject({
        method: 'GET',
        url: `/api/clusters/lab/operations?limit=${n}`,
        headers: { cookie: viewer.cookie },
      });
    expect((await at(max as number)).statusCode).toBe(200);
    expect((await at((max as number) + 1)).statusCode).toBe(400);
  });

  describe('the checks fail when they should', () => {
    const served = (): ServedRoute[] => t.app.routeTable.filter((r) => r.url.startsWith('/api/'));
    const clone = (): Doc => structuredClone(doc);

    it('a served route without a description', () => {
      const extra: ServedRoute = { method: 'GET', url: '/api/alerts', api: undefined, access: 'viewer' };
      expect(routeDescriptionProblems([...served(), extra], apiRoutes, doc).join('\n')).toMatch(
        /GET \/api\/alerts is served but not described/,
      );
    });

    it('a route served from a copy of its definition with another body', () => {
      const copy = { ...apiRoutes.signIn, body: z.strictObject({ username: z.string() }) };
      const list = served().map((r) => (r.api === apiRoutes.signIn ? { ...r, api: copy } : r));
      expect(routeDescriptionProblems(list, apiRoutes, doc).join('\n')).toMatch(/not in apiRoutes/);
    });

    it('a documented shape that differs from the validator', () => {
      const changed = clone();
      const body = changed.paths['/api/users']?.post?.requestBody as {
        content: { 'application/json': { schema: { required: string[] } } };
      };
      body.content['application/json'].schema.required = ['username'];
      expect(routeDescriptionProblems(served(), apiRoutes, changed).join('\n')).toMatch(
        /POST \/api\/users body is documented as/,
      );
      const query = clone();
      const op = query.paths['/api/audit']?.get as { parameters: { schema: { maximum?: number } }[] };
      for (const p of op.parameters) p.schema.maximum = 5;
      expect(routeDescriptionProblems(served(), apiRoutes, query).join('\n')).toMatch(
        /GET \/api\/audit query limit/,
      );
    });

    it('a route served in another scope than described', () => {
      const list = served().map((r) => (r.api === apiRoutes.users ? { ...r, access: 'viewer' } : r));
      expect(routeDescriptionProblems(list, apiRoutes, doc).join('\n')).toMatch(
        /GET \/api\/users is served in the viewer scope but described as admin/,
      );
    });

    it('a route missing from the document, and a documented route nobody serves', () => {
      const missing = clone();
      delete missing.paths['/api/lab/reset'];
      expect(routeDescriptionProblems(served(), apiRoutes, missing).join('\n')).toMatch(
        /POST \/api\/lab\/reset \(apiRoutes.labReset\) is missing/,
      );
      const fewer = served().filter((r) => r.api !== apiRoutes.labReset);
      expect(routeDescriptionProblems(fewer, apiRoutes, doc).join('\n')).toMatch(
        /labReset\) is documented but not served/,
      );
    });

    it('a $ref that resolves to nothing, a wrong version', () => {
      const broken = clone();
      (broken.components as { responses: Record<string, unknown> }).responses.Error = undefined;
      broken.openapi = '3.0.3';
      const problems = openApiProblems(JSON.parse(JSON.stringify(broken)));
      expect(problems.join('\n')).toMatch(/\$ref #\/components\/responses\/Error resolves to nothing/);
      expect(problems.join('\n')).toMatch(/openapi is 3.0.3/);
    });
  });
});
