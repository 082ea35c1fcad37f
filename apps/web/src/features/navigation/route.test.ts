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
    expect(routeFromHash('#/lab')).toBe('lab');
    expect(routeFromHash('#/api')).toBe('api');
    expect(routeFromHash('#/alerts')).toBe('alerts');
  });

  it('opens on the given home (the Lab view on the embedded lab) when no section is named', () => {
    expect(routeFromHash('', 'lab')).toBe('lab');
    expect(routeFromHash('#/', 'lab')).toBe('lab');
    expect(routeFromHash('#/overview', 'lab')).toBe('overview');
    expect(routeFromHash('#/nope', 'lab')).toBe('overview');
  });

  it('round-trips through hashFor', () => {
    for (const r of ['overview', 'lab', 'operations', 'alerts', 'users', 'audit', 'api'] as const) {
      expect(routeFromHash(hashFor(r), 'lab')).toBe(r);
      expect(routeFromHash(hashFor(r))).toBe(r);
    }
  });
});

describe('routes by role', () => {
  it('shows the operations history to everyone, Users and Audit to admins only', () => {
    expect(routesFor('admin')).toEqual(['overview', 'lab', 'operations', 'alerts', 'users', 'audit', 'api']);
    expect(routesFor('operator')).toEqual(['overview', 'lab', 'operations', 'alerts', 'api']);
    expect(routesFor('viewer')).toEqual(['overview', 'lab', 'operations', 'alerts', 'api']);
    expect(visibleRoute('operations', 'viewer')).toBe('operations');
  });

  it('sends a non-admin who types #/users back to the overview', () => {
    expect(visibleRoute('users', 'operator')).toBe('overview');
    expect(visibleRoute('audit', 'viewer')).toBe('overview');
    expect(visibleRoute('audit', 'admin')).toBe('audit');
  });
});
