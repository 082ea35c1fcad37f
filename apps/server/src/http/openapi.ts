import { errorBodySchema } from '@walboard/shared/api';
import type { ApiRouteDef } from '@walboard/shared/api-routes';
import { apiPathParams } from '@walboard/shared/api-routes';
import { CSRF_HEADER, SESSION_COOKIE } from '@walboard/shared/auth';
import { z } from 'zod';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) as zod writes it. */
export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of a validator, as the OpenAPI document holds it: what a client sends (io
 * 'input': defaults make fields optional) or what the server answers (io 'output').
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // A type JSON Schema cannot express (a Date, a transform) is described as "any" rather than
  // making the whole document fail to build.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/clusters/:cluster/nodes/:node` → `/clusters/{cluster}/nodes/{node}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The `:name` placeholders of a route URL, in order. */
export function pathParamNames(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
}

const ERROR_REF = { $ref: '#/components/responses/Error' };

function statusText(status: number): string {
  return { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content' }[status] ?? `HTTP ${status}`;
}

function parameters(def: ApiRouteDef): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const name of pathParamNames(def.url)) {
    const schema = (apiPathParams as Record<string, z.ZodType>)[name];
    if (!schema) {
      throw new Error(
        `route ${def.method} ${def.url} has a parameter :${name} that apiPathParams in packages/shared/src/api-routes.ts does not name: add its schema there`,
      );
    }
    out.push({ name, in: 'path', required: true, schema: jsonSchemaOf(schema, 'input') });
  }
  if (def.query) {
    const q = jsonSchemaOf(def.query, 'input');
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties as Record<string, JsonSchema>) ?? {})) {
      out.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  return out;
}

function responses(def: ApiRouteDef): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const media = def.contentType ?? 'application/json';
  for (const [status, schema] of Object.entries(def.responses)) {
    out[status] =
      schema === null
        ? { description: statusText(Number(status)) }
        : {
            description: statusText(Number(status)),
            content: { [media]: { schema: jsonSchemaOf(schema, 'output') } },
          };
  }
  for (const [status, extra] of Object.entries(def.otherResponses ?? {})) {
    out[status] = {
      description: extra.description,
      content: { 'application/json': { schema: jsonSchemaOf(extra.schema, 'output') } },
    };
  }
  if (def.access !== 'public') out['401'] = { $ref: '#/components/responses/Unauthenticated' };
  if (def.access === 'operator' || def.access === 'admin')
    out['403'] = { $ref: '#/components/responses/Forbidden' };
  out.default = ERROR_REF;
  return out;
}

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function security(def: ApiRouteDef): Record<string, string[]>[] {
  if (def.access === 'public') return [];
  const session: Record<string, string[]> = MUTATIONS.has(def.method)
    ? { session: [], csrf: [] }
    : { session: [] };
  return def.bearer ? [session, { metricsToken: [] }] : [session];
}

/** One operation of the document: everything it says comes from the route's definition. */
export function operationOf(name: string, def: ApiRouteDef): Record<string, unknown> {
  const params = parameters(def);
  const role = def.access === 'public' ? 'anyone, no session' : `${def.access} or above`;
  return {
    operationId: name,
    summary: def.summary,
    description: [
      def.description,
      `Access: ${role}.`,
      def.labOnly ? 'Only on the embedded lab (npm start).' : '',
    ]
      .filter(Boolean)
      .join(' '),
    tags: [def.access],
    'x-walboard-access': def.access,
    ...(def.labOnly ? { 'x-walboard-lab-only': true } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(def.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchemaOf(def.body, 'input') } },
          },
        }
      : {}),
    responses: responses(def),
    security: security(def),
  };
}

/** The OpenAPI 3.1 document of these routes (all under /api). */
export function buildOpenApi(
  routes: Readonly<Record<string, ApiRouteDef>>,
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, def] of Object.entries(routes)) {
    const path = `/api${openApiPath(def.url)}`;
    const item = paths[path] ?? {};
    const method = def.method.toLowerCase();
    if (item[method]) throw new Error(`two routes describe ${def.method} ${path}: ${name} and another one`);
    item[method] = operationOf(name, def);
    paths[path] = item;
  }
  const error = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'walboard REST API',
      version,
      description:
        'The REST API of walboard, the console for PostgreSQL physical replication. Live status is pushed over socket.io (not described here). ' +
        `Sign in with POST /api/session: the ${SESSION_COOKIE} cookie it sets authenticates every other call; changes (POST, PUT, PATCH, DELETE) also send the session's csrfToken as ${CSRF_HEADER} and Content-Type: application/json.`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [
      { name: 'public', description: 'No session needed.' },
      { name: 'viewer', description: 'Any signed-in user (viewer, operator, admin).' },
      { name: 'operator', description: 'Operators and admins.' },
      { name: 'admin', description: 'Admins only.' },
    ],
    paths,
    components: {
      schemas: { ErrorBody: jsonSchemaOf(errorBodySchema, 'output') },
      responses: {
        Error: error('What failed, where, and what to do (error code, message, node when one is concerned).'),
        Unauthenticated: error('No valid session: sign in first.'),
        Forbidden: error("The session's role or cluster list does not allow this."),
      },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        csrf: { type: 'apiKey', in: 'header', name: CSRF_HEADER },
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The token named by auth.metricsTokenEnv (GET /api/metrics only).',
        },
      },
    },
  };
}
