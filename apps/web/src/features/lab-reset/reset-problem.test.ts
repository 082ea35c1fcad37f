import { describe, expect, it } from 'vitest';
import { RequestError } from '../../api/get-json.ts';
import { resetProblem } from './reset-problem.ts';

describe('resetProblem', () => {
  const server = (status: number, code: string | null, message: string) =>
    new RequestError({ kind: 'server', status, code, message });

  it('says the cluster is busy with the server’s own words (which operation, by whom)', () => {
    const msg = 'lab reset refused: cluster lab is busy: operation x (promote on node2, by ana) is running';
    expect(resetProblem(server(409, 'WB_ERR_CLUSTER_BUSY', msg))).toEqual({
      key: 'labReset.error.busy',
      vars: { message: msg },
    });
  });

  it('sends a lost session back to the login form, and names other failures', () => {
    expect(resetProblem(server(401, 'WB_ERR_UNAUTHENTICATED', 'no session'))).toMatchObject({
      key: 'labReset.error.session',
      sessionEnded: true,
    });
    expect(resetProblem(server(403, 'WB_ERR_FORBIDDEN', 'admins only')).key).toBe('labReset.error.forbidden');
    expect(resetProblem(new RequestError({ kind: 'unreachable' })).key).toBe('labReset.error.unreachable');
    expect(resetProblem(server(500, 'WB_ERR_LAB_RESET_FAILED', 'lab node2: initdb failed'))).toEqual({
      key: 'labReset.error.failed',
      vars: { message: 'lab node2: initdb failed' },
    });
  });
});
