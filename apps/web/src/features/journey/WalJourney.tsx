import type { NodeStatus, ReplicationLink } from '@walboard/shared';
import { useId, useMemo } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import type { NodeArchive } from '../archive/archive-state.ts';
import { JourneyActions } from './JourneyActions.tsx';
import { JourneyPrimary } from './JourneyPrimary.tsx';
import { journeyModel } from './journey-model.ts';
import { ShippingPath } from './ShippingPath.tsx';
import { StreamingPath } from './StreamingPath.tsx';

export interface WalJourneyProps {
  cluster: string;
  primary: NodeStatus;
  /** The standby the WAL travels to; null draws the primary's half (archiving) only. */
  standby: NodeStatus | null;
  /** The primary → standby edge of the topology, when there is one. */
  link: ReplicationLink | null;
  /** The standby's archive directory (useArchiveListings); undefined until it is asked. */
  archive: NodeArchive | undefined;
}

/**
 * "The WAL journey": both ways WAL leaves the primary, drawn from the live feed — nothing here
 * moves unless a number in the feed moved. The numbers are also on data-* attributes.
 */
export function WalJourney({ cluster, primary, standby, link, archive }: WalJourneyProps) {
  const { t } = useI18n();
  const headingId = useId();
  const model = useMemo(
    () => journeyModel({ primary, standby, link, archive }),
    [primary, standby, link, archive],
  );
  const standbyName = model.standby?.node ?? null;
  return (
    <section
      aria-labelledby={headingId}
      data-testid="wal-journey"
      data-primary={model.primary.node}
      data-standby={standbyName ?? ''}
      className="min-w-0 space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <h2 id={headingId} className="text-base font-semibold text-slate-900">
            {standbyName
              ? t('journey.heading', { primary: model.primary.node, standby: standbyName })
              : t('journey.headingAlone', { primary: model.primary.node })}
          </h2>
          <p className="text-sm text-slate-700">{t('journey.intro')}</p>
        </div>
        <JourneyActions cluster={cluster} node={model.primary.node} />
      </div>
      <JourneyPrimary primary={model.primary} />
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <ShippingPath shipping={model.shipping} standby={model.standby} />
        <StreamingPath streaming={model.streaming} standby={standbyName} />
      </div>
    </section>
  );
}
