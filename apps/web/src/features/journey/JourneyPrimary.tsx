import { useI18n } from '../../i18n/i18n.tsx';
import { formatBytes } from '../../i18n/units.ts';
import { attr, fillAttr } from './journey-attrs.ts';
import { type JourneyModel, WAL_SEGMENT_BYTES } from './journey-model.ts';

/** The primary's current segment as a bar that fills while transactions write WAL into it. */
export function JourneyPrimary({ primary }: { primary: JourneyModel['primary'] }) {
  const { t } = useI18n();
  const percent = primary.fill === null ? null : Math.floor(primary.fill * 1000) / 10;
  const written = primary.fill === null ? null : formatBytes(Math.round(primary.fill * WAL_SEGMENT_BYTES));
  return (
    <div
      data-testid="journey-primary"
      data-node={primary.node}
      data-lsn={attr(primary.lsn)}
      data-segment={attr(primary.segment)}
      data-fill={fillAttr(primary.fill)}
      data-timeline={attr(primary.timeline)}
      data-cascading={primary.cascading ? 'true' : 'false'}
      className="rounded-md border border-blue-200 bg-blue-50 p-3"
    >
      <p className="text-sm font-semibold text-slate-900">
        {primary.cascading
          ? t('journey.primary.cascadingHeading', { node: primary.node })
          : t('journey.primary.heading', { node: primary.node })}
      </p>
      {primary.segment === null || percent === null ? (
        <p className="mt-1 text-sm text-slate-700">
          {primary.reachable
            ? t('journey.primary.unknown')
            : t('journey.primary.unreachable', { node: primary.node })}
        </p>
      ) : (
        <>
          <p className="mt-1 text-sm text-slate-800">
            {t('journey.primary.segment')}{' '}
            <code className="font-mono break-all text-slate-900">{primary.segment}</code>
          </p>
          {/* The bar only draws what the line below says in words. */}
          <div
            aria-hidden="true"
            data-testid="journey-fill-bar"
            className="mt-2 h-4 w-full overflow-hidden rounded border border-slate-400 bg-white"
          >
            <div
              className="h-full bg-blue-700"
              // A segment just begun still shows a sliver: "written to" reads apart from "empty".
              style={{ width: primary.fill === 0 ? 0 : `max(2px, ${percent}%)` }}
            />
          </div>
          <p className="mt-1 text-xs text-slate-700 tabular-nums">
            {t('journey.primary.position', {
              lsn: primary.lsn ?? '—',
              percent,
              written: written ?? '—',
              size: formatBytes(WAL_SEGMENT_BYTES),
            })}
          </p>
        </>
      )}
    </div>
  );
}
