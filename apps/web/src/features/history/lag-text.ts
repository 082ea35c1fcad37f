import type { I18n } from '../../i18n/i18n.tsx';
import { formatBytes, formatSeconds } from '../../i18n/units.ts';

/** "1.50 MiB · 42 ms"; a missing half shows "?", both missing say the lag is unknown. */
export function lagText(
  t: I18n['t'],
  lag: { replayBytes: number | null; replaySeconds: number | null },
): string {
  if (lag.replayBytes === null && lag.replaySeconds === null) return t('history.lag.unknown');
  return t('history.lag.value', {
    bytes: lag.replayBytes === null ? t('history.lag.unknownPart') : formatBytes(lag.replayBytes),
    seconds: lag.replaySeconds === null ? t('history.lag.unknownPart') : formatSeconds(lag.replaySeconds),
  });
}
