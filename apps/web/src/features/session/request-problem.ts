import { RequestError } from '../../api/get-json.ts';
import type { MessageKey, MessageVars } from '../../i18n/catalog.ts';

/** A failed request as a translatable message, for the admin pages (users, audit). */
export interface ProblemText {
  key: MessageKey;
  vars?: MessageVars;
}

/** What to tell the user about a failed request; 403 keeps the page and says the role does not allow it. */
export function problemText(err: unknown): ProblemText {
  if (!(err instanceof RequestError)) return { key: 'session.requestFailed', vars: { message: String(err) } };
  const p = err.problem;
  switch (p.kind) {
    case 'unreachable':
      return { key: 'session.unreachable' };
    case 'not-json':
      return { key: 'session.notJson', vars: { status: p.status } };
    case 'server':
      if (p.status === 403) return { key: 'session.forbidden' };
      return { key: 'session.requestFailed', vars: { message: p.message } };
  }
}
