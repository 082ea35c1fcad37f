import { describe, expect, it } from 'vitest';
import { hashFor, routeFromHash, routesFor, visibleRoute } from './route.ts';

describe('routeFromHash', () => {
  it('reads the admin pages and defaults to the overview', () => {
    expect(routeFromHash('#/users')).toBe('users');
    expect(routeFromHash('#/audit')).toBe('audit');
    expect(routeFromHash('#/audit?x=1')).toBe('audit');
    expect(routeFromHash('#/operations')).toBe('operations');
    expect(routeFromHash('')).toBe('overview');
    expect(routeFromHash('#/')).toBe('overview');
    expect(routeFromHash('#/nope')).toBe('overview');
    expect(routeFromHash('#/constructor')).toBe('overview');
  });

  it('round-trips through hashFor', () => {
    for (const r of ['overview', 'operations', 'users', 'audit'] as const)
      expect(routeFromHash(hashFor(r))).toBe(r);
  });
});

describe('routes by role', () => {
  it('shows the operations history to everyone, Users and Audit to admins only', () => {
    expect(routesFor('admin')).toEqual(['overview', 'operations', 'users', 'audit']);
    expect(routesFor('operator')).toEqual(['overview', 'operations']);
    expect(routesFor('viewer')).toEqual(['overview', 'operations']);
    expect(visibleRoute('operations', 'viewer')).toBe('operations');
  });

  it('sends a non-admin who types #/users back to the overview', () => {
    expect(visibleRoute('users', 'operator')).toBe('overview');
    expect(visibleRoute('audit', 'viewer')).toBe('overview');
    expect(visibleRoute('audit', 'admin')).toBe('audit');
  });
});
