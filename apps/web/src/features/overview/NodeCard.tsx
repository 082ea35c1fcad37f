import type { NodeStatus } from '@walboard/shared';
import { type ReactNode, useId } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { HostKeyAlarm } from '../hostkeys/HostKeyAlarm.tsx';
import { ReplicationSection } from '../replication/ReplicationSection.tsx';
import { RoleBadge, UnreachableBadge } from './NodeBadges.tsx';
import { NodeField } from './NodeField.tsx';
import { isReachable } from './node-view.ts';
import { ObservedAge } from './ObservedAge.tsx';
import { Reachability } from './Reachability.tsx';

/** Everything a DBA checks by hand on one node, as last observed by the controller. */
export function NodeCard({ status, actions }: { status: NodeStatus; actions?: ReactNode }) {
  const { t } = useI18n();
  const headingId = useId();
  const reachable = isReachable(status);
  const transport = status.transport === 'ssh' ? t('node.transport.ssh') : t('node.transport.local');

  return (
    <article
      aria-labelledby={headingId}
      data-testid={`node-card-${status.node}`}
      data-reachable={String(reachable)}
      data-role={status.role}
      className={`flex h-full flex-col overflow-hidden rounded-lg bg-white shadow-sm ${
        reachable ? 'border border-slate-200' : 'border-2 border-red-600'
      }`}
    >
      <header
        className={`flex items-start justify-between gap-3 border-b px-4 py-3 ${
          reachable ? 'border-slate-200' : 'border-red-200 bg-red-50'
        }`}
      >
        <div className="min-w-0">
          <h2 id={headingId} className="truncate text-base font-semibold text-slate-900" title={status.node}>
            {status.node}
          </h2>
          <p className="truncate text-xs text-slate-600">
            {t('node.hostLine', { host: status.host, transport })}
          </p>
        </div>
        <div className="flex flex-wrap justify-end gap-1">
          {!reachable && <UnreachableBadge pg={status.reachability.pg} />}
          <RoleBadge role={status.role} />
          {/* The node's Actions menu (operations), when the page offers one. */}
          {actions}
        </div>
      </header>

      <div className="flex-1 space-y-3 px-4 py-3">
        <HostKeyAlarm status={status} />
        <Reachability reachability={status.reachability} reachable={reachable} />
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <NodeField label="node.field.version" value={status.version} testId="node-version" />
          <NodeField
            label="node.field.timeline"
            hint="node.hint.timeline"
            value={status.timeline}
            testId="node-timeline"
            mono
          />
          <NodeField
            label="node.field.currentLsn"
            hint="node.hint.currentLsn"
            value={status.currentLsn}
            testId="node-current-lsn"
            mono
          />
          <NodeField
            label="node.field.receiveLsn"
            hint="node.hint.receiveLsn"
            value={status.receiveLsn}
            testId="node-receive-lsn"
            mono
          />
          <NodeField
            label="node.field.replayLsn"
            hint="node.hint.replayLsn"
            value={status.replayLsn}
            testId="node-replay-lsn"
            mono
          />
        </dl>
        <ReplicationSection status={status} />
      </div>

      <footer className="border-t border-slate-200 px-4 py-2 text-xs text-slate-600">
        <ObservedAge observedAt={status.observedAt} />
      </footer>
    </article>
  );
}
