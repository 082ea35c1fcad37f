import { describe, expect, it } from 'vitest';
import { RequestError } from '../../api/get-json.ts';
import { problemText } from './request-problem.ts';

const server = (status: number, message: string) =>
  new RequestError({ kind: 'server', status, code: 'WB_ERR_X', message });

describe('problemText', () => {
  it('says "not allowed for your role" on 403, whatever the server wrote', () => {
    expect(problemText(server(403, 'admin only'))).toEqual({ key: 'session.forbidden' });
  });

  it("shows the server's message for other refusals", () => {
    expect(problemText(server(409, 'user alice already exists'))).toEqual({
      key: 'session.requestFailed',
      vars: { message: 'user alice already exists' },
    });
  });

  it('names an unreachable server and a non-JSON answer', () => {
    expect(problemText(new RequestError({ kind: 'unreachable' }))).toEqual({ key: 'session.unreachable' });
    expect(problemText(new RequestError({ kind: 'not-json', status: 200 }))).toEqual({
      key: 'session.notJson',
      vars: { status: 200 },
    });
  });
});
