import type { SessionInfo } from '@walboard/shared/auth';
import { Header } from '../../layout/Header.tsx';
import { LoginForm } from './LoginForm.tsx';
import type { SignedOutReason } from './session-state.ts';

/** The whole page while nobody is signed in: header (with the language switch) and the form. */
export function LoginPage({
  reason,
  why,
  onSignedIn,
}: {
  reason: SignedOutReason;
  why?: string | undefined;
  onSignedIn: (info: SessionInfo) => void;
}) {
  return (
    <div className="min-h-screen bg-slate-100">
      <Header />
      <main className="mx-auto flex max-w-screen-2xl justify-center p-4 pt-16">
        <LoginForm reason={reason} why={why} onSignedIn={onSignedIn} />
      </main>
    </div>
  );
}
