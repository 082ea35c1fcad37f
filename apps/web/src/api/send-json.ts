import { CSRF_HEADER } from '@walboard/shared/auth';
import { notifyUnauthenticated, RequestError } from './get-json.ts';

/**
 * Every mutation goes through here: JSON body (always, `{}` when there is nothing to send), the
 * session's CSRF token in its header, same-origin cookies. The server refuses anything else.
 */
export async function sendJson<T>(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  csrfToken: string | null,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...(csrfToken ? { [CSRF_HEADER]: csrfToken } : {}),
      },
      body: JSON.stringify(body ?? {}),
    });
  } catch {
    throw new RequestError({ kind: 'unreachable' });
  }
  const parsed: unknown = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.ok) return parsed as T;
  // The session ended on the server: the gate shows the login form (the message below is for the caller).
  if (res.status === 401) notifyUnauthenticated();
  const b = (parsed ?? {}) as { error?: unknown; message?: unknown };
  throw new RequestError({
    kind: 'server',
    status: res.status,
    code: typeof b.error === 'string' ? b.error : null,
    message: typeof b.message === 'string' ? b.message : `HTTP ${res.status}`,
  });
}
