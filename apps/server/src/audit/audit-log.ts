import type { AuditResult } from '@walboard/shared/audit';
import type { FastifyRequest } from 'fastify';
import { type Actor, clientAddress } from '../auth/actor.ts';
import type { AuditStore } from '../store/audit-store.ts';

export interface AuditInput {
  /** The request it came from: gives who (its actor) and from where. */
  req?: Pick<FastifyRequest, 'ip' | 'actor'>;
  /** Overrides (sockets, background events): who and from where when there is no request. */
  actor?: Pick<Actor, 'username'> | null;
  source?: string;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
  result: AuditResult;
  message: string;
}

/** Keys whose values never reach the audit log, at any depth. */
const SECRET_KEY = /pass(word|phrase)?|secret|token|private|credential|cookie|authorization/i;
const MAX_STRING = 512;
const MAX_DEPTH = 4;

/**
 * Every mutation, and every refused attempt, goes through here. Secrets are dropped by key and
 * long or deep values are cut, so hostile input cannot bloat the log.
 */
export class AuditLog {
  constructor(
    private readonly store: AuditStore,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  /** Returns the new row's id, or null when it could not be written. */
  record(input: AuditInput): number | null {
    const actor = input.actor !== undefined ? input.actor : (input.req?.actor ?? null);
    try {
      return this.store.append({
        at: new Date().toISOString(),
        username: actor?.username ?? null,
        source: input.source ?? (input.req ? clientAddress(input.req) : 'walboard'),
        action: input.action,
        target: input.target ?? null,
        detail: redact(input.detail ?? {}, 0) as Record<string, unknown>,
        result: input.result,
        message: cut(input.message),
      });
    } catch (err) {
      // Losing an audit entry must be visible in the server log, but must not fail the request.
      this.onError(err as Error);
      return null;
    }
  }

  /** Rewrites an entry's detail and message (redacted and cut like new ones). */
  amend(id: number, detail: Record<string, unknown>, message: string): void {
    try {
      this.store.update(id, redact(detail, 0) as Record<string, unknown>, cut(message));
    } catch (err) {
      this.onError(err as Error);
    }
  }
}

function cut(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}… (${s.length} characters)` : s;
}

export function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cut(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, 50)) {
    out[cut(k)] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}
