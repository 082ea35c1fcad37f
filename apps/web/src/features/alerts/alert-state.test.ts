import type { Alert } from '@walboard/shared/alerts';
import { describe, expect, it } from 'vitest';
import { alertsReducer, emptyAlerts } from './alert-state.ts';

const alert = (id: string, status: Alert['status'], cluster = 'lab'): Alert => ({
  id,
  rule: 'node-down',
  kind: 'node-unreachable',
  status,
  cluster,
  node: 'h2',
  summary: 'lab/h2 is unreachable',
  value: null,
  since: '2026-01-01T00:00:00.000Z',
  firedAt: '2026-01-01T00:00:30.000Z',
  resolvedAt: status === 'resolved' ? '2026-01-01T00:01:00.000Z' : null,
});

describe('alertsReducer', () => {
  it('keeps the shown cluster only, from the list and from events', () => {
    let s = alertsReducer(emptyAlerts('lab'), {
      type: 'list',
      cluster: 'lab',
      list: {
        current: [alert('a', 'firing'), alert('x', 'firing', 'prod')],
        recent: [alert('b', 'resolved')],
      },
    });
    expect(s.current.map((a) => a.id)).toEqual(['a']);
    expect(s.recent.map((a) => a.id)).toEqual(['b']);
    expect(s.loaded).toBe(true);
    s = alertsReducer(s, { type: 'event', alert: alert('y', 'firing', 'prod') });
    expect(s.current.map((a) => a.id)).toEqual(['a']);
  });

  it('moves a resolved alert from current to recent, once', () => {
    let s = alertsReducer(emptyAlerts('lab'), { type: 'event', alert: alert('a', 'firing') });
    s = alertsReducer(s, { type: 'event', alert: alert('a', 'firing') });
    expect(s.current.map((a) => a.id)).toEqual(['a']);
    s = alertsReducer(s, { type: 'event', alert: alert('a', 'resolved') });
    s = alertsReducer(s, { type: 'event', alert: alert('a', 'resolved') });
    expect(s.current).toEqual([]);
    expect(s.recent.map((a) => `${a.id} ${a.status}`)).toEqual(['a resolved']);
  });

  it('a list for a cluster no longer shown is dropped; switching clusters starts empty', () => {
    const s = alertsReducer(emptyAlerts('lab'), { type: 'cluster', cluster: 'prod' });
    expect(s).toEqual(emptyAlerts('prod'));
    const late = alertsReducer(s, {
      type: 'list',
      cluster: 'lab',
      list: { current: [alert('a', 'firing')], recent: [] },
    });
    expect(late).toBe(s);
  });
});
