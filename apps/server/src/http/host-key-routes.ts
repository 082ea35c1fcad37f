import type { HostKeyList } from '@walboard/shared/api';
import { apiRoutes } from '@walboard/shared/api-routes';
import { nameSchema } from '@walboard/shared/config';
import type { HostKeyStatus } from '@walboard/shared/status';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import { requireActor } from '../auth/actor.ts';
import type { HostKeyGuard } from '../nodes/host-key-guard.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export const HostKeyErrorCodes = {
  noNode: 'WB_ERR_NO_NODE',
  notSsh: 'WB_ERR_NOT_SSH',
  /** The fingerprint sent is not the key the server offers right now. */
  notOffered: 'WB_ERR_HOST_KEY_NOT_OFFERED',
  /** The server could not be asked which key it offers. */
  unreachable: 'WB_ERR_NODE_UNREACHABLE',
} as const;

interface ClusterParams {
  cluster: string;
}
interface NodeParams extends ClusterParams {
  node: string;
}

/** `GET /clusters/:cluster/host-keys` (viewer scope, under /api): each ssh node's host key state. */
export async function hostKeyReadRoutes(app: FastifyInstance, deps: { guard: HostKeyGuard }): Promise<void> {
  serveRoute<{ Params: ClusterParams }>(app, apiRoutes.hostKeys, async (req): Promise<HostKeyList> => {
    const list = nameSchema.safeParse(req.params.cluster).success
      ? deps.guard.list(req.params.cluster)
      : null;
    if (!list) throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${req.params.cluster}"`);
    return list;
  });
}

/**
 * `PUT /clusters/:cluster/nodes/:node/host-key` (admin scope, under /api), body {fingerprint}: pins
 * the key only if the server offers exactly it right now. Every attempt is audited.
 */
export async function hostKeyAdminRoutes(
  app: FastifyInstance,
  deps: { guard: HostKeyGuard; audit: AuditLog },
): Promise<void> {
  serveRoute<{ Params: NodeParams }>(app, apiRoutes.pinHostKey, async (req): Promise<HostKeyStatus> => {
    const actor = requireActor(req);
    const { cluster, node } = req.params;
    const target = `${cluster}/${node}`;
    const body = apiRoutes.pinHostKey.body.safeParse(req.body);
    // What was attempted, even when malformed: the audit log cuts and redacts it.
    const fingerprint = body.success ? body.data.fingerprint : attempted(req.body);
    const refuse = (err: HttpError): never => {
      audit(deps.audit, req, target, fingerprint, 'refused', err.message);
      throw err;
    };
    if (!nameSchema.safeParse(cluster).success || !nameSchema.safeParse(node).success)
      return refuse(
        new HttpError(404, HostKeyErrorCodes.noNode, `no node "${node}" in cluster "${cluster}"`),
      );
    if (!body.success) {
      return refuse(
        new HttpError(
          400,
          ErrorCodes.badRequest,
          `the body must be {"fingerprint": "SHA256:…"}, the key as \`ssh-keygen -lf\` prints it: ${body.error.issues[0]?.message ?? 'invalid'}`,
        ),
      );
    }
    const out = await deps.guard.pin(cluster, node, body.data.fingerprint, actor.username);
    switch (out.kind) {
      case 'no-cluster':
        return refuse(new HttpError(404, ErrorCodes.noCluster, `no cluster named "${cluster}"`));
      case 'no-node':
        return refuse(
          new HttpError(404, HostKeyErrorCodes.noNode, `no node "${node}" in cluster "${cluster}"`),
        );
      case 'not-ssh':
        return refuse(
          new HttpError(
            404,
            HostKeyErrorCodes.notSsh,
            `node ${node} is a local node: it has no SSH host key to pin`,
            node,
          ),
        );
      case 'unreachable':
        return refuse(
          new HttpError(
            503,
            HostKeyErrorCodes.unreachable,
            `not pinned: walboard could not read the key ${node} offers right now (${out.reason})`,
            node,
          ),
        );
      case 'not-offered':
        return refuse(
          new HttpError(
            409,
            HostKeyErrorCodes.notOffered,
            `not pinned: ${node} offers the ${out.offered.type} key ${out.offered.fingerprint} right now, ` +
              `not ${body.data.fingerprint}. Compare again with ssh-keygen -lf on the server and pin ` +
              'the key it prints there.',
            node,
          ),
        );
      case 'ok':
        audit(
          deps.audit,
          req,
          target,
          fingerprint,
          'ok',
          `pinned the SSH host key ${body.data.fingerprint} for ${target}; ` +
            (out.connected ? 'the node is connected' : 'the node is not connected yet'),
        );
        return out.status;
    }
  });
}

function audit(
  log: AuditLog,
  req: FastifyRequest,
  target: string,
  fingerprint: unknown,
  result: 'ok' | 'refused',
  message: string,
): void {
  log.record({ req, action: 'hostkey.pin', target, detail: { fingerprint }, result, message });
}

function attempted(body: unknown): unknown {
  return typeof body === 'object' && body !== null && 'fingerprint' in body ? body.fingerprint : null;
}
