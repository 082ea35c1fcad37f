import { useId } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { JourneyStep } from './JourneyStep.tsx';
import { attr } from './journey-attrs.ts';
import type { JourneyModel } from './journey-model.ts';

const Name = ({ children }: { children: string }) => (
  <code className="font-mono text-xs break-all text-slate-900">{children}</code>
);

/** Archive shipping: .ready → archived by archive_command → in the standby's archive → replayed. */
export function ShippingPath({
  shipping,
  standby,
}: {
  shipping: JourneyModel['shipping'];
  standby: JourneyModel['standby'];
}) {
  const { t, lang } = useI18n();
  const headingId = useId();
  const n = (v: number) => v.toLocaleString(lang);
  const a = shipping.archive;
  return (
    <section aria-labelledby={headingId} data-testid="journey-shipping" data-active={attr(shipping.active)}>
      <h3 id={headingId} className="text-sm font-semibold text-violet-900">
        {t('journey.shipping.heading')}{' '}
        <span className="font-normal text-slate-700">
          {shipping.active ? t('journey.path.on') : t('journey.shipping.off')}
        </span>
      </h3>
      <ol className="mt-1">
        <JourneyStep first data-testid="journey-ready" data-ready={attr(shipping.ready)}>
          {shipping.ready === null
            ? t('journey.shipping.readyUnknown')
            : t('journey.shipping.ready', { count: n(shipping.ready) })}
        </JourneyStep>
        <JourneyStep
          tone={shipping.failing ? 'alarm' : 'normal'}
          data-testid="journey-archived"
          data-archived={attr(shipping.archivedCount)}
          data-failed={attr(shipping.failedCount)}
          data-failing={attr(shipping.failing)}
          data-last-archived={attr(shipping.lastArchived)}
        >
          {shipping.archivedCount === null ? (
            t('journey.shipping.archiverUnknown')
          ) : (
            <>
              <p>{t('journey.shipping.archived', { count: n(shipping.archivedCount) })}</p>
              {shipping.lastArchived && (
                <p className="text-xs">
                  {t('journey.shipping.lastArchived')} <Name>{shipping.lastArchived}</Name>
                </p>
              )}
            </>
          )}
          {shipping.failing && (
            <p className="mt-1 text-xs font-semibold text-red-900 break-words">
              {t('journey.shipping.failing', { count: n(shipping.failedCount ?? 0) })}
              {shipping.lastError ? ` ${shipping.lastError}` : ''}
            </p>
          )}
        </JourneyStep>
        {standby === null ? (
          <JourneyStep tone="idle" data-testid="journey-archive" data-status="no-standby">
            {t('journey.shipping.noStandby')}
          </JourneyStep>
        ) : (
          <JourneyStep
            tone={a.status === 'ready' ? 'normal' : 'idle'}
            data-testid="journey-archive"
            data-status={a.status}
            data-arrived={a.status === 'ready' ? String(a.segments) : ''}
            data-arriving={String(a.arriving.length)}
            data-newest={a.newest.join(' ')}
          >
            <p>
              {a.status === 'ready'
                ? t('journey.archive.count', { node: standby.node, count: n(a.segments) })
                : t(`journey.archive.${a.status}`, { node: standby.node })}
            </p>
            {a.newest.length > 0 && (
              <>
                <p className="mt-1 text-xs text-slate-700">{t('journey.archive.newest')}</p>
                <ul aria-label={t('journey.archive.newestLabel', { node: standby.node })}>
                  {a.newest.map((name) => (
                    <li key={name} data-testid="journey-arrived-name" data-name={name}>
                      <Name>{name}</Name>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {a.arriving.length > 0 && (
              <div
                data-testid="journey-arriving"
                className="mt-1 rounded bg-emerald-50 px-2 py-1 text-xs text-emerald-950"
              >
                <p>{t('journey.archive.arriving', { count: n(a.arriving.length) })}</p>
                <ul>
                  {a.arriving.slice(0, 3).map((f) => (
                    <li key={f.temp} data-name={f.file}>
                      <Name>{f.file}</Name>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </JourneyStep>
        )}
        {standby !== null && (
          <JourneyStep
            data-testid="journey-restored"
            data-replayed={attr(standby.replayLsn)}
            data-segment={attr(standby.replaySegment)}
          >
            {standby.replaySegment === null ? (
              t('journey.restored.unknown', { node: standby.node })
            ) : (
              <>
                <p>{t('journey.restored.segment', { node: standby.node })}</p>
                <p className="text-xs">
                  <Name>{standby.replaySegment}</Name>{' '}
                  <span className="tabular-nums">({standby.replayLsn})</span>
                </p>
              </>
            )}
          </JourneyStep>
        )}
      </ol>
    </section>
  );
}
