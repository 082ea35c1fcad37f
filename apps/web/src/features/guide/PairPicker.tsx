import type { LabPair, LabProgress } from '@walboard/shared/guide';
import { useId, useState } from 'react';
import { sendJson } from '../../api/send-json.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useCan, useSession } from '../session/session-context.ts';
import { labPath } from './use-lab-progress.ts';

interface Props {
  cluster: string;
  pair: LabPair;
  nodes: readonly string[];
  onProgress: (p: LabProgress) => void;
}

const select =
  'rounded border border-slate-400 bg-white px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-sky-600';

/** Which two nodes the lab uses (operators choose; choosing starts the lab over). */
export function PairPicker({ cluster, pair, nodes, onProgress }: Props) {
  const { t } = useI18n();
  const { info } = useSession();
  const canOperate = useCan('operator');
  const ids = { primary: useId(), standby: useId() };
  const [wanted, setWanted] = useState<LabPair>(pair);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const summary = (
    <p data-testid="lab-pair" className="text-sm text-slate-800">
      {t('guide.pair', { primary: pair.primary, standby: pair.standby })}
    </p>
  );
  if (!canOperate || nodes.length < 3) return summary;

  const same = wanted.primary === wanted.standby;
  const save = () => {
    setSaving(true);
    setError(null);
    sendJson<LabProgress>('PUT', `${labPath(cluster)}/pair`, { pair: wanted }, info.csrfToken)
      .then(onProgress)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => setSaving(false));
  };
  return (
    <div className="space-y-2">
      {summary}
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600">
          {t('guide.pair.change')}
        </summary>
        <div className="mt-2 flex flex-wrap items-end gap-3">
          {(['primary', 'standby'] as const).map((role) => (
            <div key={role} className="flex flex-col gap-1">
              <label htmlFor={ids[role]} className="text-xs font-semibold text-slate-800">
                {t(`guide.pair.${role}`)}
              </label>
              <select
                id={ids[role]}
                data-testid={`lab-pair-${role}`}
                value={wanted[role]}
                onChange={(e) => setWanted({ ...wanted, [role]: e.target.value })}
                className={select}
              >
                {nodes.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </div>
          ))}
          <button
            type="button"
            data-testid="lab-pair-save"
            disabled={same || saving}
            onClick={save}
            className="rounded bg-sky-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-sky-800 disabled:cursor-not-allowed disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
          >
            {t('guide.pair.save')}
          </button>
        </div>
        {same && <p className="mt-1 text-red-900">{t('guide.pair.same')}</p>}
        {error && (
          <p role="alert" className="mt-1 text-red-900">
            {t('guide.pair.error', { message: error })}
          </p>
        )}
      </details>
    </div>
  );
}
