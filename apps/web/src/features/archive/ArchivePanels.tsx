import { useI18n } from '../../i18n/i18n.tsx';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { ArchivePanel } from './ArchivePanel.tsx';
import { useArchiveListings } from './use-archive-listings.ts';

interface Props {
  socket: LiveSocket | null;
  cluster: string;
  /** Every node of the cluster; only those with an archiveDir get a panel. */
  nodes: readonly string[];
}

/** One "WAL archive on <node>" panel per node that has an archive directory, live. */
export function ArchivePanels({ socket, cluster, nodes }: Props) {
  const { t } = useI18n();
  const { nodes: archives } = useArchiveListings(socket, cluster, nodes);
  // Until a node's first answer it is unknown whether it has an archive dir: no empty frame meanwhile.
  const shown = nodes.filter((n) => {
    const s = archives.get(n)?.status;
    return s !== undefined && s !== 'none' && s !== 'loading';
  });
  if (shown.length === 0) return null;
  return (
    <ul
      aria-label={t('archive.panelsLabel', { cluster })}
      className="grid grid-cols-[repeat(auto-fill,minmax(min(100%,32rem),1fr))] gap-4"
    >
      {shown.map((node) => {
        const archive = archives.get(node);
        return archive ? (
          <li key={node}>
            <ArchivePanel node={node} archive={archive} />
          </li>
        ) : null;
      })}
    </ul>
  );
}
