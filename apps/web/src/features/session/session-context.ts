import { roleAtLeast, type SessionInfo, type UserRole } from '@walboard/shared/auth';
import { createContext, useContext } from 'react';

/**
 * The signed-in user for the whole page. The provider (SessionGate) renders the login form
 * until there is a session, so every component below it can rely on `info`.
 */
export interface SessionValue {
  info: SessionInfo;
  /** Ends the session on the server, then shows the login form. */
  logout(): Promise<void>;
  /** Called when the server says the session is gone (401 or socket `session:ended`, with its reason). */
  expired(why?: string): void;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession() used outside <SessionGate>');
  return v;
}

/** Whether the signed-in user may do what needs `role` (the server checks again, always). */
export function useCan(role: UserRole): boolean {
  return roleAtLeast(useSession().info.role, role);
}
