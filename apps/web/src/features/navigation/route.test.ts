import { describe, expect, it } from 'vitest';
import { hashFor, routeFromHash, routesFor, visibleRoute } from './route.ts';

describe('routeFromHash', () => {
  it('reads the admin pages and defaults to the overview', () => {
    expect(routeFromHash('#/users')).toBe('users');
    expect(routeFromHash('#/audit')).toBe('audit');
    expect(routeFromHash('#/audit?x=1')).toBe('audit');
    expect(routeFromHash('')).toBe('overview');
    expect(routeFromHash('#/')).toBe('overview');
    expect(routeFromHash('#/nope')).toBe('overview');
    expect(routeFromHash('#/constructor')).toBe('overview');
  });

  it('round-trips through hashFor', () => {
    for (const r of ['overview', 'users', 'audit'] as const) expect(routeFromHash(hashFor(r))).toBe(r);
  });
});

describe('routes by role', () => {
  it('shows Users and Audit to admins only', () => {
    expect(routesFor('admin')).toEqual(['overview', 'users', 'audit']);
    expect(routesFor('operator')).toEqual(['overview']);
    expect(routesFor('viewer')).toEqual(['overview']);
  });

  it('sends a non-admin who types #/users back to the overview', () => {
    expect(visibleRoute('users', 'operator')).toBe('overview');
    expect(visibleRoute('audit', 'viewer')).toBe('overview');
    expect(visibleRoute('audit', 'admin')).toBe('audit');
  });
});
