import type { NodeStatus, ReplicationLink } from '@walboard/shared';
import { useMemo } from 'react';
import { useArchiveListings } from '../archive/use-archive-listings.ts';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { journeyPair } from './journey-model.ts';
import { WalJourney } from './WalJourney.tsx';

/** The journey on the Overview: the cluster's primary and its first standby, when it has one (or archives). */
export function OverviewJourney({
  socket,
  cluster,
  nodes,
  links,
}: {
  socket: LiveSocket | null;
  cluster: string;
  nodes: readonly NodeStatus[];
  links: readonly ReplicationLink[];
}) {
  const pair = useMemo(() => journeyPair(nodes, links), [nodes, links]);
  const standby = pair?.standby?.node ?? null;
  const watched = useMemo(() => (standby ? [standby] : []), [standby]);
  const archives = useArchiveListings(socket, cluster, watched);
  if (!pair) return null;
  return (
    <WalJourney
      cluster={cluster}
      primary={pair.primary}
      standby={pair.standby}
      link={pair.link}
      archive={standby ? archives.nodes.get(standby) : undefined}
    />
  );
}
