import type { ErrorBody } from '@walboard/shared';

/** Why a request to the controller failed, in a shape the page can translate. */
export type RequestProblem =
  | { kind: 'unreachable' }
  /** A 2xx whose body is not JSON: usually a proxy or the page's own HTML answering instead. */
  | { kind: 'not-json'; status: number }
  /** status 401 means "no session": see isUnauthenticated(). */
  | { kind: 'server'; status: number; code: string | null; message: string };

export class RequestError extends Error {
  constructor(readonly problem: RequestProblem) {
    super(problem.kind === 'server' ? problem.message : `walboard request failed: ${problem.kind}`);
  }
}

/** true when the controller said there is no (longer a) session: the page goes back to the login form. */
export function isUnauthenticated(err: unknown): boolean {
  return err instanceof RequestError && err.problem.kind === 'server' && err.problem.status === 401;
}

// The session gate listens here, so a 401 from any GET (a session that ended while the page
// was open) brings back the login form instead of an error notice in some panel.
const unauthenticatedListeners = new Set<() => void>();

/** Subscribes to "the server answered 401"; returns the unsubscribe function. */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

/** Tells the session gate the server answered 401 (exported for other request helpers). */
export function notifyUnauthenticated(): void {
  for (const listener of unauthenticatedListeners) listener();
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.error === 'string' && typeof b.message === 'string';
}

/**
 * GETs JSON from the controller. The payload is not re-validated here: it is typed by
 * @walboard/shared, whose schemas the server's routes declare as their responses.
 */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, signal: signal ?? null });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new RequestError({ kind: 'unreachable' });
  }
  const noJson = Symbol('no JSON');
  const body: unknown = await res.json().catch(() => noJson);
  if (res.ok) {
    if (body === noJson) throw new RequestError({ kind: 'not-json', status: res.status });
    return body as T;
  }
  if (res.status === 401) notifyUnauthenticated();
  // Server errors are shown as the server wrote them (`message` is meant for users).
  throw new RequestError(
    isErrorBody(body)
      ? { kind: 'server', status: res.status, code: body.error, message: body.message }
      : {
          kind: 'server',
          status: res.status,
          code: null,
          message: `HTTP ${res.status} ${res.statusText}`.trim(),
        },
  );
}
