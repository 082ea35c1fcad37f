import type { LagRange, ReplicationLink } from '@walboard/shared';
import { useId, useMemo, useState } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { LagChart } from './LagChart.tsx';
import { RANGE_NAMES, seriesName, summarize } from './lag-series.ts';
import { lagText } from './lag-text.ts';
import { type LagSeries, useLagHistory } from './use-lag-history.ts';

const rangeKey: Record<LagRange, MessageKey> = {
  '15m': 'history.range.15m',
  '1h': 'history.range.1h',
  '24h': 'history.range.24h',
};

/** One lag chart per standby, over 15 min / 1 h / 24 h: stored history, then live points. */
export function LagCharts({ cluster, links }: { cluster: string; links: readonly ReplicationLink[] }) {
  const { t } = useI18n();
  const headingId = useId();
  const [range, setRange] = useState<LagRange>('15m');
  const standbys = useMemo(() => {
    const out = new Map<string, string>(); // standby → its primary
    for (const l of links) {
      const name = seriesName(l);
      if (name !== null && !out.has(name)) out.set(name, l.primary);
    }
    return out;
  }, [links]);
  const names = useMemo(() => [...standbys.keys()], [standbys]);
  const series = useLagHistory(cluster, names, range, links);

  return (
    <section
      aria-labelledby={headingId}
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
    >
      <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
        <h2 id={headingId} className="text-base font-semibold text-slate-900">
          {t('history.chart.heading')}
        </h2>
        <fieldset className="flex items-center gap-1">
          <legend className="sr-only">{t('history.range.label')}</legend>
          {RANGE_NAMES.map((r) => (
            <button
              key={r}
              type="button"
              data-testid={`lag-range-${r}`}
              aria-pressed={r === range}
              onClick={() => setRange(r)}
              className={`rounded border px-2.5 py-1 text-sm ${
                r === range
                  ? 'border-blue-700 bg-blue-700 text-white'
                  : 'border-slate-300 bg-white text-slate-800 hover:bg-slate-50'
              }`}
            >
              {t(rangeKey[r])}
            </button>
          ))}
        </fieldset>
      </div>
      {names.length === 0 ? (
        <p className="text-sm text-slate-600">{t('history.chart.none')}</p>
      ) : (
        <ul className="grid grid-cols-[repeat(auto-fill,minmax(min(100%,32rem),1fr))] gap-4">
          {names.map((name) => (
            <li key={name}>
              <StandbyChart
                standby={name}
                primary={standbys.get(name) ?? ''}
                range={range}
                series={series.get(name) ?? { status: 'loading', points: [] }}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function StandbyChart({
  standby,
  primary,
  range,
  series,
}: {
  standby: string;
  primary: string;
  range: LagRange;
  series: LagSeries;
}) {
  const { t } = useI18n();
  const { now, peakBytes, peakSeconds } = summarize(series.points);
  return (
    <figure
      data-testid={`lag-chart-${standby}`}
      data-points={series.points.length}
      data-status={series.status}
    >
      <figcaption className="mb-1 text-sm font-medium text-slate-800">
        {t('history.chart.title', { standby, primary })}
      </figcaption>
      <LagChart
        points={series.points}
        range={range}
        timeLabel={t('history.chart.time')}
        bytesLabel={t('history.chart.bytes')}
        secondsLabel={t('history.chart.seconds')}
        ariaLabel={t('history.chart.canvasLabel', { standby, range: t(rangeKey[range]) })}
      />
      <p className="mt-1 text-xs text-slate-600" data-testid="lag-chart-summary">
        {series.status === 'loading' && series.points.length === 0
          ? t('history.chart.loading')
          : series.points.length === 0
            ? t('history.chart.empty')
            : t('history.chart.summary', {
                now: now ? lagText(t, now) : t('history.lag.unknown'),
                peak: lagText(t, { replayBytes: peakBytes, replaySeconds: peakSeconds }),
              })}
      </p>
      {series.status === 'error' && (
        <p role="alert" className="mt-1 text-xs text-red-700">
          {t('history.chart.error', { message: series.message })}
        </p>
      )}
    </figure>
  );
}
