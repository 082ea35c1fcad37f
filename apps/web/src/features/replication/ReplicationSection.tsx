import type { NodeStatus } from '@walboard/shared';
import { useClusterLinks } from '../live/links-store.ts';
import { ArchiverBlock } from './ArchiverBlock.tsx';
import { ReceiverBlock } from './ReceiverBlock.tsx';
import { SendersTable } from './SendersTable.tsx';
import { StandbyLag } from './StandbyLag.tsx';

/**
 * The replication part of a node card: a primary's WAL senders; a standby's lag, receiver and last
 * replay; the archiver wherever it has something to say (always on a primary).
 */
export function ReplicationSection({ status }: { status: NodeStatus }) {
  const links = useClusterLinks(status.cluster);
  const link = links.find((l) => l.standby === status.node) ?? null;
  const a = status.archiver;
  // A standby archives nothing while in recovery: its zero counters would only be noise.
  const showArchiver =
    a !== null && (status.role === 'primary' || a.failing || a.archivedCount > 0 || a.failedCount > 0);
  return (
    <div className="space-y-3 border-t border-slate-100 pt-3">
      {status.role === 'primary' && <SendersTable senders={status.senders} />}
      {status.role === 'standby' && (
        <>
          <StandbyLag status={status} link={link} />
          <ReceiverBlock receiver={status.receiver} />
        </>
      )}
      {showArchiver && a && <ArchiverBlock archiver={a} readyFiles={status.readyFiles} />}
    </div>
  );
}
