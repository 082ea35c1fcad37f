import { useId } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { formatBytes } from '../../i18n/units.ts';
import { JourneyStep } from './JourneyStep.tsx';
import { attr } from './journey-attrs.ts';
import type { JourneyModel, StreamStage } from './journey-model.ts';

const stageKey: Record<StreamStage, MessageKey> = {
  sent: 'journey.stage.sent',
  written: 'journey.stage.written',
  flushed: 'journey.stage.flushed',
  replayed: 'journey.stage.replayed',
};

/** Streaming: what the WAL sender sent, what the standby wrote, flushed and replayed, in bytes behind. */
export function StreamingPath({
  streaming,
  standby,
}: {
  streaming: JourneyModel['streaming'];
  standby: string | null;
}) {
  const { t } = useI18n();
  const headingId = useId();
  return (
    <section
      aria-labelledby={headingId}
      data-testid="journey-streaming"
      data-active={attr(streaming.active)}
      data-state={attr(streaming.state)}
    >
      <h3 id={headingId} className="text-sm font-semibold text-teal-900">
        {t('journey.streaming.heading')}{' '}
        <span className="font-normal text-slate-700">
          {streaming.active ? t('journey.path.on') : t('journey.streaming.off')}
        </span>
      </h3>
      <ol className="mt-1">
        {streaming.stages.map((s, i) => (
          <JourneyStep
            key={s.stage}
            first={i === 0}
            tone={s.lsn === null ? 'idle' : 'normal'}
            data-testid={`journey-stage-${s.stage}`}
            data-stage={s.stage}
            data-lsn={attr(s.lsn)}
            data-behind={attr(s.behind)}
          >
            <p className="flex flex-wrap justify-between gap-x-2">
              <span>{t(stageKey[s.stage], { node: standby ?? '—' })}</span>
              <span className="font-mono text-xs tabular-nums text-slate-900">{s.lsn ?? '—'}</span>
            </p>
            <p className="text-xs text-slate-700">
              {s.behind === null
                ? t('journey.stage.unknown')
                : s.behind === 0
                  ? t('journey.stage.caughtUp')
                  : t('journey.stage.behind', { bytes: formatBytes(s.behind) })}
            </p>
          </JourneyStep>
        ))}
      </ol>
    </section>
  );
}
