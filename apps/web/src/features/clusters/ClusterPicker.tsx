import type { ClusterSummary } from '@walboard/shared';
import { useId } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';

interface Props {
  clusters: readonly ClusterSummary[];
  selected: string;
  onSelect: (name: string) => void;
}

/** Shown only when there is a choice to make. */
export function ClusterPicker({ clusters, selected, onSelect }: Props) {
  const { t } = useI18n();
  const id = useId();
  if (clusters.length < 2) return null;
  return (
    <div className="flex items-center gap-2 text-sm">
      <label htmlFor={id} className="font-medium text-slate-700">
        {t('clusters.picker.label')}
      </label>
      <select
        id={id}
        data-testid="cluster-picker"
        value={selected}
        onChange={(e) => onSelect(e.target.value)}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-slate-900 shadow-sm focus-visible:outline-2 focus-visible:outline-blue-600"
      >
        {clusters.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  );
}
