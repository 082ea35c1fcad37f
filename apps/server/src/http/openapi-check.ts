import { isDeepStrictEqual } from 'node:util';
import type { ApiRouteDef } from '@walboard/shared/api-routes';
import { apiPathParams } from '@walboard/shared/api-routes';
import type { z } from 'zod';
import { type JsonSchema, jsonSchemaOf, openApiPath, pathParamNames } from './openapi.ts';

/** A served route as the route table holds it (see RouteTableEntry in app.ts). */
export interface ServedRoute {
  method: string;
  url: string;
  api: ApiRouteDef | undefined;
  access: string | undefined;
}

type Doc = Record<string, unknown>;
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value a local `$ref` ("#/components/schemas/X") points at, or undefined. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let v: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(v) && !Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
    if (v === undefined) return undefined;
  }
  return v;
}

function collectRefs(v: unknown, at: string, out: { at: string; ref: string }[]): void {
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) collectRefs(x, `${at}/${i}`, out);
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push({ at, ref: x });
      else collectRefs(x, `${at}/${k}`, out);
    }
  }
}

/**
 * What makes the document a structurally valid OpenAPI 3.1 one (the parts walboard uses): the
 * version, info, paths of operations with responses, declared path parameters, unique
 * operationIds, known security schemes, and every `$ref` resolving inside the document.
 */
export function openApiProblems(doc: Doc): string[] {
  const problems: string[] = [];
  if (doc.openapi !== '3.1.0') problems.push(`openapi is ${String(doc.openapi)}, not 3.1.0`);
  const info = doc.info;
  if (!isObject(info) || typeof info.title !== 'string' || typeof info.version !== 'string')
    problems.push('info needs a title and a version (strings)');
  if (!isObject(doc.paths)) return [...problems, 'no paths object'];
  if (!isObject(doc.components)) problems.push('no components object');
  const schemes =
    isObject(doc.components) && isObject(doc.components.securitySchemes)
      ? doc.components.securitySchemes
      : {};
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/')) problems.push(`path ${path} does not start with /`);
    if (!isObject(item)) {
      problems.push(`path ${path} is not an object`);
      continue;
    }
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!HTTP_METHODS.has(method) || !isObject(op)) {
        problems.push(`${where}: not an HTTP method with an operation object`);
        continue;
      }
      if (typeof op.operationId !== 'string') problems.push(`${where}: no operationId`);
      else if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} used twice`);
      else ids.add(op.operationId);
      const params = Array.isArray(op.parameters) ? op.parameters.filter(isObject) : [];
      for (const p of params) {
        if (typeof p.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(String(p.in)))
          problems.push(`${where}: a parameter without name or with in=${String(p.in)}`);
        if (p.in === 'path' && p.required !== true)
          problems.push(`${where}: path parameter ${String(p.name)} not required`);
        if (p.in === 'path' && !templated.includes(String(p.name)))
          problems.push(`${where}: path parameter ${String(p.name)} is not in the path`);
      }
      for (const name of templated)
        if (!params.some((p) => p.in === 'path' && p.name === name))
          problems.push(`${where}: {${name}} has no path parameter`);
      if (!isObject(op.responses) || Object.keys(op.responses).length === 0) {
        problems.push(`${where}: no responses`);
      } else {
        for (const [status, r] of Object.entries(op.responses)) {
          if (!/^([1-5]XX|[1-5]\d\d|default)$/.test(status))
            problems.push(`${where}: response key ${status}`);
          if (!isObject(r) || (typeof r.description !== 'string' && typeof r.$ref !== 'string'))
            problems.push(`${where}: response ${status} has neither description nor $ref`);
        }
        if (!Object.keys(op.responses).some((s) => /^2/.test(s)))
          problems.push(`${where}: no success response`);
      }
      for (const req of Array.isArray(op.security) ? op.security : [])
        for (const name of isObject(req) ? Object.keys(req) : [])
          if (!(name in schemes)) problems.push(`${where}: security scheme ${name} is not in components`);
    }
  }
  const refs: { at: string; ref: string }[] = [];
  collectRefs(doc, '#', refs);
  for (const { at, ref } of refs)
    if (resolvePointer(doc, ref) === undefined) problems.push(`${at}: $ref ${ref} resolves to nothing`);
  return problems;
}

function operationAt(doc: Doc, method: string, path: string): Record<string, unknown> | undefined {
  const paths = isObject(doc.paths) ? doc.paths : {};
  const item = paths[path];
  const op = isObject(item) ? item[method.toLowerCase()] : undefined;
  return isObject(op) ? op : undefined;
}

function same(a: unknown, b: JsonSchema, what: string, out: string[]): void {
  if (!isDeepStrictEqual(a, b))
    out.push(
      `${what} is documented as ${JSON.stringify(a)?.slice(0, 300)}, but the route validates ${JSON.stringify(b).slice(0, 300)}`,
    );
}

/** The documented shape of one served route against the schemas its definition really holds. */
function shapeProblems(op: Record<string, unknown>, def: ApiRouteDef, where: string): string[] {
  const out: string[] = [];
  const params = (Array.isArray(op.parameters) ? op.parameters : []).filter(isObject);
  for (const name of pathParamNames(def.url)) {
    const schema = (apiPathParams as Record<string, z.ZodType>)[name];
    const doc = params.find((p) => p.in === 'path' && p.name === name);
    if (!schema) out.push(`${where}: :${name} has no schema in apiPathParams`);
    else same(doc?.schema, jsonSchemaOf(schema, 'input'), `${where} path parameter ${name}`, out);
  }
  const queryDoc = params.filter((p) => p.in === 'query');
  if (def.query) {
    const q = jsonSchemaOf(def.query, 'input');
    const props = (q.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((q.required as string[] | undefined) ?? []);
    same(
      queryDoc.map((p) => p.name).sort(),
      Object.keys(props).sort() as unknown as JsonSchema,
      `${where} query names`,
      out,
    );
    for (const [name, schema] of Object.entries(props)) {
      const p = queryDoc.find((x) => x.name === name);
      same(p?.schema, schema, `${where} query ${name}`, out);
      if (p && p.required !== required.has(name))
        out.push(`${where}: query ${name} required=${String(p.required)}`);
    }
  } else if (queryDoc.length) out.push(`${where}: documents a query the route does not read`);
  const body = isObject(op.requestBody) ? op.requestBody : undefined;
  const bodySchema =
    isObject(body?.content) && isObject(body.content['application/json'])
      ? body.content['application/json'].schema
      : undefined;
  if (def.body) same(bodySchema, jsonSchemaOf(def.body, 'input'), `${where} body`, out);
  else if (body) out.push(`${where}: documents a body the route does not read`);
  const responses = isObject(op.responses) ? op.responses : {};
  for (const [status, schema] of Object.entries(def.responses)) {
    const r = responses[status];
    if (!isObject(r)) {
      out.push(`${where}: answer ${status} is not documented`);
      continue;
    }
    const content = isObject(r.content) ? r.content[def.contentType ?? 'application/json'] : undefined;
    if (schema === null) {
      if (r.content !== undefined)
        out.push(`${where}: answer ${status} has no body but is documented with one`);
    } else
      same(
        isObject(content) ? content.schema : undefined,
        jsonSchemaOf(schema, 'output'),
        `${where} answer ${status}`,
        out,
      );
  }
  return out;
}

/**
 * Every served /api route against the description: each is described (served with serveRoute),
 * by the definition the table holds, in the scope its access says, with the shapes of the
 * schemas it validates with; and nothing is described that is not served.
 */
export function routeDescriptionProblems(
  served: readonly ServedRoute[],
  table: Readonly<Record<string, ApiRouteDef>>,
  doc: Doc,
): string[] {
  const problems: string[] = [];
  const api = served.filter((r) => r.url.startsWith('/api/'));
  const gets = new Set(api.filter((r) => r.method === 'GET').map((r) => r.url));
  const seen = new Set<string>();
  for (const r of api) {
    // Fastify answers HEAD for every GET by itself: the GET's description covers it.
    if (r.method === 'HEAD' && gets.has(r.url)) continue;
    const where = `${r.method} ${r.url}`;
    const def = r.api;
    if (!def) {
      problems.push(
        `${where} is served but not described: add it to apiRoutes in packages/shared/src/api-routes.ts and register it with serveRoute(app, apiRoutes.<name>, handler)`,
      );
      continue;
    }
    const name = Object.entries(table).find(([, d]) => d === def)?.[0];
    if (!name) {
      problems.push(`${where} is served from a definition that is not in apiRoutes (a copy?)`);
      continue;
    }
    seen.add(name);
    if (def.method !== r.method || `/api${def.url}` !== r.url)
      problems.push(`${where} is served from apiRoutes.${name}, which says ${def.method} /api${def.url}`);
    const access = r.access ?? 'public';
    if (def.access !== access)
      problems.push(
        `${where} is served in the ${access} scope but described as ${def.access} (apiRoutes.${name})`,
      );
    const op = operationAt(doc, r.method, `/api${openApiPath(def.url)}`);
    if (!op) {
      problems.push(`${where} (apiRoutes.${name}) is missing from the OpenAPI document`);
      continue;
    }
    if (op.operationId !== name)
      problems.push(`${where}: operationId ${String(op.operationId)}, expected ${name}`);
    if (op['x-walboard-access'] !== access)
      problems.push(`${where}: documented access ${String(op['x-walboard-access'])}, served in ${access}`);
    problems.push(...shapeProblems(op, def, where));
  }
  for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {}))
    for (const [method, op] of Object.entries(isObject(item) ? item : {}))
      if (isObject(op) && !seen.has(String(op.operationId)))
        problems.push(
          `${method.toUpperCase()} ${path} (${String(op.operationId)}) is documented but not served`,
        );
  return problems;
}
