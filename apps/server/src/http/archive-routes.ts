import { apiRoutes } from '@walboard/shared/api-routes';
import { nameSchema } from '@walboard/shared/config';
import type { ArchiveListing } from '@walboard/shared/status';
import type { FastifyInstance } from 'fastify';
import type { ArchiveWatchers } from '../monitor/archive-watcher.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

// Codes for this route's own failures; the hub already answers 'WB_ERR_NO_NODE' for the same case.
export const ArchiveErrorCodes = {
  noNode: 'WB_ERR_NO_NODE',
  noArchiveDir: 'WB_ERR_NO_ARCHIVE_DIR',
  notListedYet: 'WB_ERR_ARCHIVE_NOT_LISTED',
} as const;

/** `GET /clusters/:cluster/nodes/:node/archive`: the archive watcher's live listing (register under /api). */
export async function archiveRoutes(app: FastifyInstance, deps: { archive: ArchiveWatchers }): Promise<void> {
  serveRoute<{ Params: { cluster: string; node: string } }>(
    app,
    apiRoutes.nodeArchive,
    async (req): Promise<ArchiveListing> => {
      const cluster = nameSchema.safeParse(req.params.cluster);
      if (!cluster.success) {
        throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${req.params.cluster}"`);
      }
      const node = nameSchema.safeParse(req.params.node);
      const found = node.success
        ? await deps.archive.listing(cluster.data, node.data)
        : ({ kind: 'no-node' } as const);
      switch (found.kind) {
        case 'ok':
          return found.listing;
        case 'no-cluster':
          throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${cluster.data}"`);
        case 'no-node':
          throw new HttpError(
            404,
            ArchiveErrorCodes.noNode,
            `no node "${req.params.node}" in cluster "${cluster.data}"`,
          );
        case 'no-archive-dir':
          throw new HttpError(
            404,
            ArchiveErrorCodes.noArchiveDir,
            `node ${node.data} has no archiveDir in walboard.yaml: add one to watch the WAL archive it receives`,
            node.data,
          );
        case 'not-yet':
          throw new HttpError(
            503,
            ArchiveErrorCodes.notListedYet,
            `the archive of ${node.data} could not be listed yet (${found.reason}); the page updates by itself once it can`,
            node.data,
          );
      }
    },
  );
}
