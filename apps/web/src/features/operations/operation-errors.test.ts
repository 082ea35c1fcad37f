import { describe, expect, it } from 'vitest';
import { RequestError } from '../../api/get-json.ts';
import { cancelProblem, historyProblem, operationProblem } from './operation-errors.ts';

const server = (status: number, code: string | null, message: string) =>
  new RequestError({ kind: 'server', status, code, message });

describe('operationProblem', () => {
  it('says another operation is running for 409 WB_ERR_CLUSTER_BUSY, with the server words', () => {
    expect(operationProblem(server(409, 'WB_ERR_CLUSTER_BUSY', 'restart on db2 is running'))).toEqual({
      key: 'operations.error.busy',
      vars: { message: 'restart on db2 is running' },
    });
  });

  it('asks to confirm again for 409 WB_ERR_CONFIRM_REQUIRED', () => {
    expect(operationProblem(server(409, 'WB_ERR_CONFIRM_REQUIRED', 'x')).key).toBe(
      'operations.error.confirmRequired',
    );
  });

  it('tells a role problem (403) apart from refused parameters (400)', () => {
    expect(operationProblem(server(403, 'WB_ERR_FORBIDDEN', 'operator role needed')).key).toBe(
      'operations.error.forbidden',
    );
    expect(operationProblem(server(400, 'WB_ERR_BAD_REQUEST', 'params.slotName: bad'))).toEqual({
      key: 'operations.error.invalid',
      vars: { message: 'params.slotName: bad' },
    });
  });

  it('marks a 401 as the end of the session', () => {
    expect(operationProblem(server(401, 'WB_ERR_UNAUTHENTICATED', 'no session'))).toEqual({
      key: 'operations.error.session',
      sessionEnded: true,
    });
  });

  it('covers an unreachable server and errors that are not request errors', () => {
    expect(operationProblem(new RequestError({ kind: 'unreachable' })).key).toBe(
      'operations.error.unreachable',
    );
    expect(operationProblem(new TypeError('boom'))).toEqual({
      key: 'operations.error.unexpected',
      vars: { message: 'boom' },
    });
  });
});

describe('historyProblem', () => {
  it('keeps role and reachability problems, and says "history" for the rest', () => {
    expect(historyProblem(server(403, null, 'no')).key).toBe('operations.error.forbidden');
    expect(historyProblem(server(500, null, 'db locked'))).toEqual({
      key: 'operations.error.history',
      vars: { message: 'db locked' },
    });
  });
});

describe('operationProblem, other refusals', () => {
  it('shows the server words for a refused or unavailable node, and HTTP status for real server errors', () => {
    expect(operationProblem(server(503, 'WB_ERR_NODE_UNAVAILABLE', 'db2 is not connected'))).toEqual({
      key: 'operations.error.refused',
      vars: { message: 'db2 is not connected' },
    });
    expect(operationProblem(server(404, 'WB_ERR_NO_NODE', 'no node "x"')).key).toBe(
      'operations.error.refused',
    );
    expect(operationProblem(server(500, 'WB_ERR_INTERNAL', 'internal error'))).toEqual({
      key: 'operations.error.server',
      vars: { status: 500, message: 'internal error' },
    });
  });
});

describe('cancelProblem', () => {
  it('says the operation had already ended for 409 WB_ERR_OPERATION_NOT_RUNNING', () => {
    expect(cancelProblem(server(409, 'WB_ERR_OPERATION_NOT_RUNNING', 'it ended as succeeded'))).toEqual({
      key: 'operations.run.cancelNotRunning',
    });
  });

  it("keeps the server's words otherwise, and ends the session on 401", () => {
    expect(cancelProblem(server(403, 'WB_ERR_FORBIDDEN', 'operator role needed'))).toEqual({
      key: 'operations.run.cancelFailed',
      vars: { message: 'operator role needed' },
    });
    expect(cancelProblem(server(401, 'WB_ERR_UNAUTHENTICATED', 'no session')).sessionEnded).toBe(true);
    expect(cancelProblem(new RequestError({ kind: 'unreachable' })).key).toBe(
      'operations.run.cancelUnreachable',
    );
  });
});
