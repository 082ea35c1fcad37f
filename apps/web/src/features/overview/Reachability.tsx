import type { NodeStatus } from '@walboard/shared';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';

type Reach = NodeStatus['reachability'];
type LinkState = Reach['ssh'] | Reach['pg'];
type Shown = NonNullable<LinkState> | 'na';

const stateKey: Record<Shown, MessageKey> = {
  up: 'node.link.up',
  'not-answering': 'node.link.notAnswering',
  'starting-up': 'node.link.startingUp',
  'shutting-down': 'node.link.shuttingDown',
  down: 'node.link.down',
  na: 'node.link.notApplicable',
};
const dotClass: Record<Shown, string> = {
  up: 'bg-emerald-600',
  'not-answering': 'bg-amber-500',
  'starting-up': 'bg-amber-500',
  'shutting-down': 'bg-amber-500',
  down: 'bg-red-600',
  na: 'bg-slate-300',
};

function Link({ labelKey, state }: { labelKey: 'node.link.ssh' | 'node.link.pg'; state: LinkState }) {
  const { t } = useI18n();
  const s = state ?? 'na';
  return (
    <span
      className="inline-flex items-center gap-1.5"
      data-link={labelKey.slice('node.link.'.length)}
      data-state={s}
    >
      <span aria-hidden="true" className={`inline-block size-2 rounded-full ${dotClass[s]}`} />
      {t(labelKey, { state: t(stateKey[s]) })}
    </span>
  );
}

/** ssh and pg link states, plus the server's reason (English, shown as sent) when not reachable. */
export function Reachability({
  reachability,
  reachable,
}: {
  reachability: NodeStatus['reachability'];
  reachable: boolean;
}) {
  const { t } = useI18n();
  // The heading lets screen-reader users jump to it; sighted users read the dots and text.
  return (
    <>
      <h3 className="sr-only">{t('node.reachability.label')}</h3>
      <div
        data-testid="node-reachability"
        className={`rounded-md px-3 py-2 text-sm ${reachable ? 'bg-slate-50 text-slate-800' : 'bg-red-50 text-red-950'}`}
      >
        <p className="flex flex-wrap gap-x-4 gap-y-1">
          <Link labelKey="node.link.ssh" state={reachability.ssh} />{' '}
          <Link labelKey="node.link.pg" state={reachability.pg} />
        </p>
        {reachability.reason && (
          <p className="mt-1 break-words font-medium">
            {/* The space keeps the text readable when copied or read as one string. */}{' '}
            {t('node.reachability.reason', { reason: reachability.reason })}
          </p>
        )}
      </div>
    </>
  );
}
