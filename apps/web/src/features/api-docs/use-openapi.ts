import { useEffect, useState } from 'react';
import { getJson, isUnauthenticated } from '../../api/get-json.ts';
import { type ProblemText, problemText } from '../session/request-problem.ts';

export interface ApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}
export interface ApiResponse {
  description?: string;
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}
export interface ApiOperation {
  operationId: string;
  summary?: string;
  description?: string;
  'x-walboard-access'?: string;
  'x-walboard-lab-only'?: boolean;
  parameters?: ApiParameter[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses: Record<string, ApiResponse>;
}
/** The parts of /api/openapi.json the page shows. */
export interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, ApiOperation>>;
}

export type OpenApiState =
  | { status: 'loading' }
  | { status: 'ready'; doc: OpenApiDoc }
  | { status: 'error'; problem: ProblemText };

export const OPENAPI_URL = '/api/openapi.json';

/** GET /api/openapi.json once (the server builds it from the routes' own schemas). */
export function useOpenApi(): OpenApiState {
  const [state, setState] = useState<OpenApiState>({ status: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    getJson<OpenApiDoc>(OPENAPI_URL, abort.signal).then(
      (doc) => setState({ status: 'ready', doc }),
      (err: unknown) => {
        // A 401 already sent the page back to the login form (see SessionGate).
        if (abort.signal.aborted || isUnauthenticated(err)) return;
        setState({ status: 'error', problem: problemText(err) });
      },
    );
    return () => abort.abort();
  }, []);
  return state;
}
