import type { LagPoint, LagRange } from '@walboard/shared';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatBytes, formatSeconds } from '../../i18n/units.ts';
import { RANGES } from './lag-series.ts';

const HEIGHT = 180;
const BYTES = '#2563eb';
const SECONDS = '#ea580c';
/** Tick steps for the bytes axis in binary units (1, 2, 4 … 512 × B, KiB, MiB, GiB, TiB): "4 MiB", not "4.77 MiB". */
const BYTE_STEPS = [0, 1, 2, 3, 4].flatMap((k) =>
  [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map((m) => m * 1024 ** k),
);

interface Props {
  points: readonly LagPoint[];
  range: LagRange;
  timeLabel: string;
  bytesLabel: string;
  secondsLabel: string;
  ariaLabel: string;
}

function toData(points: readonly LagPoint[]): uPlot.AlignedData {
  return [
    points.map((p) => p.t / 1000),
    points.map((p) => p.replayBytes),
    points.map((p) => p.replaySeconds),
  ];
}

/** Bytes (left axis) and seconds (right axis) of one standby's lag, drawn by uPlot on a canvas. */
export function LagChart({ points, range, timeLabel, bytesLabel, secondsLabel, ariaLabel }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const rangeRef = useRef(range);
  rangeRef.current = range;
  const pointsRef = useRef(points);
  pointsRef.current = points;

  // Built once per language (the labels live in the legend); data updates go through setData.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      // The window always ends now, even when the last point is older (a gap is shown as one).
      scales: {
        x: {
          time: true,
          range: () => {
            const now = Date.now() / 1000;
            return [now - RANGES[rangeRef.current].keepMs / 1000, now];
          },
        },
        bytes: { range: (_u, _min, max) => [0, Math.max(1024, max ?? 0) * 1.1] },
        s: { range: (_u, _min, max) => [0, Math.max(1, max ?? 0) * 1.1] },
      },
      series: [
        { label: timeLabel },
        {
          label: bytesLabel,
          scale: 'bytes',
          stroke: BYTES,
          width: 1.5,
          spanGaps: false,
          value: (_u, v) => (v == null ? '—' : formatBytes(v)),
        },
        {
          label: secondsLabel,
          scale: 's',
          stroke: SECONDS,
          width: 1.5,
          spanGaps: false,
          value: (_u, v) => (v == null ? '—' : formatSeconds(v)),
        },
      ],
      axes: [
        {},
        {
          scale: 'bytes',
          stroke: BYTES,
          size: 70,
          incrs: BYTE_STEPS,
          values: (_u, vals) => vals.map((v) => formatBytes(v)),
        },
        {
          scale: 's',
          side: 1,
          stroke: SECONDS,
          size: 70,
          grid: { show: false },
          values: (_u, vals) => vals.map((v) => formatSeconds(v)),
        },
      ],
    };
    const u = new uPlot(opts, toData(pointsRef.current), el);
    plot.current = u;
    const resize = new ResizeObserver(() =>
      u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [timeLabel, bytesLabel, secondsLabel]);

  useEffect(() => {
    plot.current?.setData(toData(points));
  }, [points]);

  return <div ref={box} role="img" aria-label={ariaLabel} className="w-full" />;
}
