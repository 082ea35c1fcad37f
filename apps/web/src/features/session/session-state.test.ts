import type { SessionInfo } from '@walboard/shared/auth';
import { describe, expect, it } from 'vitest';
import { type GateState, gateReducer, initialGateState } from './session-state.ts';

const info: SessionInfo = {
  username: 'alice',
  role: 'admin',
  clusters: null,
  csrfToken: 'token',
  autoLogin: false,
  expiresAt: '2030-01-01T00:00:00.000Z',
};
const signedIn: GateState = { status: 'signed-in', info };

describe('gateReducer', () => {
  it('starts by checking, then shows the app or the login form', () => {
    expect(initialGateState).toEqual({ status: 'checking' });
    expect(gateReducer(initialGateState, { type: 'signed-in', info })).toEqual(signedIn);
    expect(gateReducer(initialGateState, { type: 'no-session' })).toEqual({
      status: 'signed-out',
      reason: 'none',
    });
  });

  it('says "expired" only when a session was there', () => {
    expect(gateReducer(signedIn, { type: 'expired' })).toEqual({ status: 'signed-out', reason: 'expired' });
    // The first probe's own 401 also reaches the gate as "expired": it is just "not signed in".
    expect(gateReducer(initialGateState, { type: 'expired' })).toEqual({
      status: 'signed-out',
      reason: 'none',
    });
  });

  it('keeps the reason already shown when more 401s arrive', () => {
    const expired = gateReducer(signedIn, { type: 'expired' });
    expect(gateReducer(expired, { type: 'expired' })).toBe(expired);
    expect(gateReducer(expired, { type: 'no-session' })).toBe(expired);
  });

  it("keeps the server's reason for an ended session, and says when the lab's link was refused", () => {
    const ended = gateReducer(signedIn, {
      type: 'expired',
      why: 'your password was changed by admin: sign in again',
    });
    expect(ended).toEqual({
      status: 'signed-out',
      reason: 'expired',
      why: 'your password was changed by admin: sign in again',
    });
    // The probe's own 401 may show the form first; the refused link is still said.
    const first = gateReducer(initialGateState, { type: 'expired' });
    expect(gateReducer(first, { type: 'no-session', linkRefused: true })).toEqual({
      status: 'signed-out',
      reason: 'link-refused',
    });
  });

  it('says "logged out" after logout, and signs in again from there', () => {
    const out = gateReducer(signedIn, { type: 'logged-out' });
    expect(out).toEqual({ status: 'signed-out', reason: 'logged-out' });
    expect(gateReducer(out, { type: 'signed-in', info })).toEqual(signedIn);
  });

  it('reports an unreachable server only while checking', () => {
    const problem = { kind: 'unreachable' } as const;
    expect(gateReducer(initialGateState, { type: 'check-failed', problem })).toEqual({
      status: 'unreachable',
      problem,
    });
    expect(gateReducer(signedIn, { type: 'check-failed', problem })).toBe(signedIn);
  });
});
