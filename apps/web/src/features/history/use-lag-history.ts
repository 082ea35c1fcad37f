import type { LagHistory, LagPoint, LagRange, ReplicationLink } from '@walboard/shared';
import { useEffect, useRef, useState } from 'react';
import { getJson, RequestError } from '../../api/get-json.ts';
import { appendLive, mergeHistory, seriesName } from './lag-series.ts';

export type LagSeries =
  | { status: 'loading'; points: readonly LagPoint[] }
  | { status: 'ready'; points: readonly LagPoint[] }
  | { status: 'error'; points: readonly LagPoint[]; message: string };

const TICK_MS = 1000;

const historyPath = (cluster: string, standby: string, range: LagRange) =>
  `/api/clusters/${encodeURIComponent(cluster)}/lag-history?standby=${encodeURIComponent(standby)}&range=${range}`;

/**
 * One lag series per standby: the controller's stored history for the range (fetched on open and
 * on every range change), then one live point a second from the links the socket pushed — the
 * same cadence the controller records at, so what is drawn live is what a reload would show.
 */
export function useLagHistory(
  cluster: string,
  standbys: readonly string[],
  range: LagRange,
  links: readonly ReplicationLink[],
): ReadonlyMap<string, LagSeries> {
  // Tagged with what it was loaded for: after a range change the old range's points are never shown as the new one's.
  const [held, setHeld] = useState<{ tag: string; series: ReadonlyMap<string, LagSeries> }>({
    tag: '',
    series: new Map(),
  });
  const linksRef = useRef(links);
  linksRef.current = links;
  const key = standbys.join('\n');
  const tag = `${cluster}\n${range}\n${key}`;

  useEffect(() => {
    const names = key === '' ? [] : key.split('\n');
    const pending = new Map<string, LagPoint[]>(names.map((n) => [n, []]));
    const ctl = new AbortController();
    const tag = `${cluster}\n${range}\n${key}`;
    const setSeries = (update: (prev: ReadonlyMap<string, LagSeries>) => ReadonlyMap<string, LagSeries>) =>
      setHeld((h) => ({ tag, series: update(h.tag === tag ? h.series : new Map()) }));
    setSeries(() => new Map(names.map((n) => [n, { status: 'loading', points: [] }])));

    for (const name of names) {
      getJson<LagHistory>(historyPath(cluster, name, range), ctl.signal).then(
        (h) => {
          if (ctl.signal.aborted) return;
          const live = pending.get(name) ?? [];
          pending.delete(name);
          setSeries((prev) =>
            new Map(prev).set(name, {
              status: 'ready',
              points: mergeHistory(h.points, live, range, Date.now()),
            }),
          );
        },
        (err: unknown) => {
          if (ctl.signal.aborted) return;
          const live = pending.get(name) ?? [];
          pending.delete(name);
          const message = err instanceof RequestError || err instanceof Error ? err.message : String(err);
          // The live points still make a chart; the message says the past is missing.
          setSeries((prev) =>
            new Map(prev).set(name, {
              status: 'error',
              message,
              points: mergeHistory([], live, range, Date.now()),
            }),
          );
        },
      );
    }

    const tick = setInterval(() => {
      const now = Date.now();
      const latest = new Map<string, LagPoint>();
      for (const l of linksRef.current) {
        const name = seriesName(l);
        if (name === null || !names.includes(name)) continue;
        latest.set(name, { t: now, replayBytes: l.lag.replayBytes, replaySeconds: l.lag.replaySeconds });
      }
      if (latest.size === 0) return;
      for (const [name, p] of latest) pending.get(name)?.push(p);
      setSeries((prev) => {
        const next = new Map(prev);
        for (const [name, p] of latest) {
          const s = next.get(name);
          if (!s || pending.has(name)) continue; // still loading: merged when the history arrives
          next.set(name, { ...s, points: appendLive(s.points, p, range, now) });
        }
        return next;
      });
    }, TICK_MS);

    return () => {
      ctl.abort();
      clearInterval(tick);
    };
  }, [cluster, range, key]);

  return held.tag === tag ? held.series : noSeries;
}

const noSeries: ReadonlyMap<string, LagSeries> = new Map();
