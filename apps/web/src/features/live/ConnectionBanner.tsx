import { useI18n } from '../../i18n/i18n.tsx';
import type { ConnectionState } from './use-live-socket.ts';

/** Says plainly when what the page shows is not live; empty while connected. */
export function ConnectionBanner({ connection }: { connection: ConnectionState }) {
  const { t } = useI18n();
  const text =
    connection === 'connecting'
      ? t('connection.connecting')
      : connection === 'reconnecting'
        ? t('connection.reconnecting')
        : null;
  // The live region stays mounted so screen readers announce the banner when it appears.
  return (
    <div role="status" className="sticky top-0 z-10">
      {text && (
        <div
          data-testid="connection-banner"
          className="flex items-center gap-2 border-b border-amber-300 bg-amber-100 px-4 py-2 text-sm font-medium text-amber-950"
        >
          <span aria-hidden="true" className="inline-block size-2 animate-pulse rounded-full bg-amber-600" />
          {text}
        </div>
      )}
    </div>
  );
}
