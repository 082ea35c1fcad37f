import type { LabPair } from '@walboard/shared/guide';
import type { NodeStatus, ReplicationLink } from '@walboard/shared/status';
import { useMemo } from 'react';
import { useArchiveListings } from '../archive/use-archive-listings.ts';
import { WalJourney } from '../journey/WalJourney.tsx';
import type { LiveSocket } from '../live/use-live-socket.ts';

interface Props {
  socket: LiveSocket | null;
  cluster: string;
  pair: LabPair;
  nodes: ReadonlyMap<string, NodeStatus>;
  links: readonly ReplicationLink[];
}

/**
 * The WAL journey of the lab's two nodes: from the node that takes writes now (the lab's primary,
 * or the standby once promoted) to the other one, whose archive folder receives the segments.
 */
export function LabJourney({ socket, cluster, pair, nodes, links }: Props) {
  const first = nodes.get(pair.primary);
  const second = nodes.get(pair.standby);
  const promoted = first?.role !== 'primary' && second?.role === 'primary';
  const from = promoted ? second : first;
  const to = promoted ? first : second;
  const toName = to?.node ?? null;
  const watched = useMemo(() => (toName ? [toName] : []), [toName]);
  const archives = useArchiveListings(socket, cluster, watched);
  if (!from) return null;
  const link = links.find((l) => l.primary === from.node && l.standby === toName) ?? null;
  return (
    <WalJourney
      cluster={cluster}
      primary={from}
      standby={to ?? null}
      link={link}
      archive={toName ? archives.nodes.get(toName) : undefined}
    />
  );
}
