// Before any schema below is built: zod probes `new Function` when a schema is made (CSP).
import './zod-jitless.ts';
import { z } from 'zod';
import { alertListSchema } from './alerts.ts';
import {
  clusterListSchema,
  healthSchema,
  hostKeyListSchema,
  lagHistoryQuerySchema,
  lagHistorySchema,
  nodeLogQuerySchema,
  nodeLogSchema,
  pinHostKeyBodySchema,
} from './api.ts';
import { auditListSchema, auditQuerySchema } from './audit.ts';
import {
  createUserBodySchema,
  labLinkBodySchema,
  loginBodySchema,
  sessionInfoSchema,
  type UserRole,
  updateUserBodySchema,
  userListSchema,
  usernameSchema,
  userSchema,
} from './auth.ts';
import { nameSchema } from './config.ts';
import {
  labActionRequestSchema,
  labActionResultSchema,
  labPairRequestSchema,
  labProgressSchema,
  labResetRequestSchema,
  labResetResultSchema,
  labStepIdSchema,
  labStepPlanSchema,
  thenAndNowQuerySchema,
  thenAndNowSchema,
} from './guide.ts';
import {
  operationConfirmRequiredSchema,
  operationDryRunResponseSchema,
  operationListQuerySchema,
  operationListSchema,
  operationRequestSchema,
  operationSchema,
  operationStartedResponseSchema,
} from './operations.ts';
import { archiveListingSchema, clusterSnapshotSchema, hostKeyStatusSchema } from './status.ts';

/** Who may call a route: nobody signed in, or a session with at least this role. */
export type ApiAccess = 'public' | UserRole;

/**
 * One REST route as served and as described in /api/openapi.json. The server registers the route
 * from this object (method, url) and validates with its `query`/`body` schemas; the OpenAPI
 * document is generated from the same objects, so the two cannot drift apart.
 */
export interface ApiRouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under /api, with Fastify's `:param` placeholders (each one named in apiPathParams). */
  url: `/${string}`;
  access: ApiAccess;
  summary: string;
  description?: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success answers by status; null: no body (204). Errors are always an ErrorBody. */
  responses: Readonly<Record<number, z.ZodType | null>>;
  /** The success body's media type (default application/json). */
  contentType?: 'application/json' | 'text/plain';
  /** Extra, non-error answers worth describing (e.g. 409 with the plan to confirm). */
  otherResponses?: Readonly<Record<number, { description: string; schema: z.ZodType }>>;
  /** Only on the embedded lab (`npm start`), absent on a production install. */
  labOnly?: true;
  /** Also accepts `Authorization: Bearer <token>` when auth.metricsTokenEnv is set. */
  bearer?: true;
}

/** The schema of each path parameter, by its name in the URL (the routes check them with these). */
export const apiPathParams = {
  cluster: nameSchema,
  node: nameSchema,
  username: usernameSchema,
  id: z.uuid(),
  step: labStepIdSchema,
} as const satisfies Record<string, z.ZodType>;

/** Any JSON object (the OpenAPI document itself). */
export const jsonObjectSchema = z.record(z.string(), z.unknown());

const cluster = '/clusters/:cluster' as const;

/**
 * Every REST route of walboard. Adding a route: one entry here, then register it with
 * `app.route({ ...routeOf(apiRoutes.yourRoute), handler })` in the scope matching `access`; the
 * test in apps/server/src/http/openapi.test.ts fails until both agree.
 */
export const apiRoutes = {
  health: {
    method: 'GET',
    url: '/health',
    access: 'public',
    summary: 'Whether the controller is up (for load balancers and the sign-in page).',
    responses: { 200: healthSchema },
  },
  sessionGet: {
    method: 'GET',
    url: '/session',
    access: 'public',
    summary: 'The signed-in user of this session cookie (401 without one).',
    responses: { 200: sessionInfoSchema },
  },
  signIn: {
    method: 'POST',
    url: '/session',
    access: 'public',
    summary: 'Sign in with user name and password: sets the session cookie.',
    description: 'JSON body only (Content-Type: application/json); rate limited per address and per account.',
    body: loginBodySchema,
    responses: { 200: sessionInfoSchema },
  },
  signInLink: {
    method: 'POST',
    url: '/session/link',
    access: 'public',
    summary: "Sign in with the embedded lab's one-time link token.",
    body: labLinkBodySchema,
    responses: { 200: sessionInfoSchema },
    labOnly: true,
  },
  signOut: {
    method: 'DELETE',
    url: '/session',
    access: 'viewer',
    summary: 'Sign out: ends this session on the server.',
    responses: { 204: null },
  },
  openapi: {
    method: 'GET',
    url: '/openapi.json',
    access: 'viewer',
    summary: 'This description of the REST API (OpenAPI 3.1).',
    responses: { 200: jsonObjectSchema },
  },
  clusters: {
    method: 'GET',
    url: '/clusters',
    access: 'viewer',
    summary: 'The clusters this user may see, with their nodes.',
    responses: { 200: clusterListSchema },
  },
  cluster: {
    method: 'GET',
    url: cluster,
    access: 'viewer',
    summary: "The cluster's latest snapshot: every node's status and the replication links.",
    responses: { 200: clusterSnapshotSchema },
  },
  nodeLog: {
    method: 'GET',
    url: `${cluster}/nodes/:node/log`,
    access: 'viewer',
    summary: "The node's recent server log lines (from memory; needs postgres.logFile).",
    query: nodeLogQuerySchema,
    responses: { 200: nodeLogSchema },
  },
  nodeArchive: {
    method: 'GET',
    url: `${cluster}/nodes/:node/archive`,
    access: 'viewer',
    summary: "The WAL archive the node receives (needs archiveDir): the watcher's live listing.",
    responses: { 200: archiveListingSchema },
  },
  lagHistory: {
    method: 'GET',
    url: `${cluster}/lag-history`,
    access: 'viewer',
    summary: "A standby's replay lag over the last 15 minutes, hour or day.",
    query: lagHistoryQuerySchema,
    responses: { 200: lagHistorySchema },
  },
  hostKeys: {
    method: 'GET',
    url: `${cluster}/host-keys`,
    access: 'viewer',
    summary: "Each ssh node's host key state (pinned, offered, changed).",
    responses: { 200: hostKeyListSchema },
  },
  alerts: {
    method: 'GET',
    url: '/alerts',
    access: 'viewer',
    summary: 'Firing and recent alerts (walboard.yaml `alerts.rules`) of the clusters one may see.',
    responses: { 200: alertListSchema },
  },
  operations: {
    method: 'GET',
    url: `${cluster}/operations`,
    access: 'viewer',
    summary: "The cluster's newest operations, newest first.",
    query: operationListQuerySchema,
    responses: { 200: operationListSchema },
  },
  operation: {
    method: 'GET',
    url: '/operations/:id',
    access: 'viewer',
    summary: 'One operation with its steps and their output.',
    responses: { 200: operationSchema },
  },
  labProgress: {
    method: 'GET',
    url: `${cluster}/lab`,
    access: 'viewer',
    summary: "The guided lab's progress on this cluster.",
    responses: { 200: labProgressSchema },
  },
  labStepPlan: {
    method: 'GET',
    url: `${cluster}/lab/steps/:step/plan`,
    access: 'viewer',
    summary: "A lab step's plan: what it would run, changing nothing.",
    responses: { 200: labStepPlanSchema },
  },
  thenAndNow: {
    method: 'GET',
    url: `${cluster}/lab/then-and-now`,
    access: 'viewer',
    summary: "The PostgreSQL 9.1 guide's commands beside the ones for this node's version.",
    query: thenAndNowQuerySchema,
    responses: { 200: thenAndNowSchema },
  },
  metrics: {
    method: 'GET',
    url: '/metrics',
    access: 'viewer',
    summary: 'Prometheus metrics of every cluster the caller may see (text exposition 0.0.4).',
    responses: { 200: z.string() },
    contentType: 'text/plain',
    bearer: true,
  },
  startOperation: {
    method: 'POST',
    url: `${cluster}/operations`,
    access: 'operator',
    summary: 'Plan (dryRun: true → 200) or start (202) an operation on a node.',
    description:
      'A destructive operation sent without confirm: true answers 409 with the plan to show first. Every refusal is audited.',
    body: operationRequestSchema,
    responses: { 200: operationDryRunResponseSchema, 202: operationStartedResponseSchema },
    otherResponses: {
      409: {
        description: 'Confirmation required: the plan to show before sending confirm: true.',
        schema: operationConfirmRequiredSchema,
      },
    },
  },
  cancelOperation: {
    method: 'POST',
    url: '/operations/:id/cancel',
    access: 'operator',
    summary: 'Ask a running operation to stop at its next safe point.',
    responses: { 202: operationSchema },
  },
  labPair: {
    method: 'PUT',
    url: `${cluster}/lab/pair`,
    access: 'operator',
    summary: "Choose the lab's primary and standby; the lab starts over on them.",
    body: labPairRequestSchema,
    responses: { 200: labProgressSchema },
  },
  labStepCheck: {
    method: 'POST',
    url: `${cluster}/lab/steps/:step/check`,
    access: 'operator',
    summary: "Run a lab step's Check against the live cluster.",
    responses: { 200: labProgressSchema },
  },
  labAction: {
    method: 'POST',
    url: `${cluster}/lab/actions`,
    access: 'operator',
    summary: "The WAL journey's buttons: write rows, or switch the WAL segment, on a primary.",
    body: labActionRequestSchema,
    responses: { 200: labActionResultSchema },
  },
  users: {
    method: 'GET',
    url: '/users',
    access: 'admin',
    summary: 'Every user with role and clusters (no password hashes).',
    responses: { 200: userListSchema },
  },
  createUser: {
    method: 'POST',
    url: '/users',
    access: 'admin',
    summary: 'Create a user.',
    body: createUserBodySchema,
    responses: { 201: userSchema },
  },
  updateUser: {
    method: 'PATCH',
    url: '/users/:username',
    access: 'admin',
    summary: "Change a user's role, clusters or password (less access ends the user's sessions).",
    body: updateUserBodySchema,
    responses: { 200: userSchema },
  },
  deleteUser: {
    method: 'DELETE',
    url: '/users/:username',
    access: 'admin',
    summary: 'Delete a user and end their sessions.',
    responses: { 204: null },
  },
  audit: {
    method: 'GET',
    url: '/audit',
    access: 'admin',
    summary: 'The audit log, newest first.',
    query: auditQuerySchema,
    responses: { 200: auditListSchema },
  },
  pinHostKey: {
    method: 'PUT',
    url: `${cluster}/nodes/:node/host-key`,
    access: 'admin',
    summary: 'Pin the SSH host key the node offers right now (compare it with ssh-keygen -lf first).',
    body: pinHostKeyBodySchema,
    responses: { 200: hostKeyStatusSchema },
  },
  labReset: {
    method: 'POST',
    url: '/lab/reset',
    access: 'admin',
    summary: 'Reset the embedded lab to two bare servers (deletes their data, archives and progress).',
    body: labResetRequestSchema,
    responses: { 200: labResetResultSchema },
    labOnly: true,
  },
} as const satisfies Record<string, ApiRouteDef>;

export type ApiRouteName = keyof typeof apiRoutes;
