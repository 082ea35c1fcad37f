import { Component, type ReactNode, Suspense } from 'react';
import { useI18n } from '../i18n/i18n.tsx';

/** Shown while a part's code is on its way (a few ms on a LAN; longer on a slow link). */
function Loading() {
  const { t } = useI18n();
  return (
    <p role="status" className="text-sm text-slate-600">
      {t('app.loadingPart')}
    </p>
  );
}

function LoadFailed({ message }: { message: string }) {
  const { t } = useI18n();
  return (
    <div role="alert" className="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-950">
      {t('app.loadPartFailed', { message })}{' '}
      <button type="button" className="font-medium underline" onClick={() => window.location.reload()}>
        {t('app.reload')}
      </button>
    </div>
  );
}

/**
 * A chunk that cannot be fetched (the server was updated to another build, the link dropped) fails
 * this part only, with a way out, instead of unmounting the whole page.
 */
class LoadBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <LoadFailed message={this.state.error.message} /> : this.props.children;
  }
}

/**
 * A part of the page whose code is loaded only when it is shown (React.lazy inside): the first
 * screen's JavaScript stays small, the charts, topology and dialogs come when needed.
 */
export function Deferred({ children }: { children: ReactNode }) {
  return (
    <LoadBoundary>
      <Suspense fallback={<Loading />}>{children}</Suspense>
    </LoadBoundary>
  );
}
