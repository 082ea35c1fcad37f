import type { NodeStatus, ReplicationLink, Role } from '@walboard/shared';
import { useId, useMemo } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { lagText } from './lag-text.ts';
import { layoutTopology, NODE_H, NODE_W, type TopoEdge, type TopoNode } from './topology-layout.ts';

const roleKey: Record<Role, MessageKey> = {
  primary: 'node.role.primary',
  standby: 'node.role.standby',
  unknown: 'node.role.unknown',
};

const EDGE_STYLE = {
  streaming: { stroke: '#0f766e', dash: undefined },
  archive: { stroke: '#7c3aed', dash: '7 5' },
  inactive: { stroke: '#dc2626', dash: '2 4' },
} as const;

function styleOf(e: TopoEdge) {
  return e.active ? EDGE_STYLE[e.kind] : EDGE_STYLE.inactive;
}

/** Primary → standbys as a picture: streaming (solid) and archive shipping (dashed) drawn apart, each with its live lag. */
export function Topology({
  cluster,
  nodes,
  links,
}: {
  cluster: string;
  nodes: readonly NodeStatus[];
  links: readonly ReplicationLink[];
}) {
  const { t } = useI18n();
  const ids = useId().replace(/:/g, '');
  const layout = useMemo(() => layoutTopology(nodes, links), [nodes, links]);
  const markerOf = (e: TopoEdge) => `${ids}-arrow-${e.active ? e.kind : 'inactive'}`;

  return (
    <section
      aria-labelledby={`${ids}-h`}
      className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
    >
      <h2 id={`${ids}-h`} className="mb-2 text-base font-semibold text-slate-900">
        {t('history.topology.heading')}
      </h2>
      <div
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
        tabIndex={0}
        className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
      >
        <svg
          data-testid="topology"
          role="img"
          aria-label={t('history.topology.label', { cluster })}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          width={layout.width}
          height={layout.height}
          className="h-auto max-w-full"
        >
          <defs>
            {(['streaming', 'archive', 'inactive'] as const).map((k) => (
              <marker
                key={k}
                id={`${ids}-arrow-${k}`}
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
              >
                <path d="M0,0 L10,5 L0,10 z" fill={EDGE_STYLE[k].stroke} />
              </marker>
            ))}
          </defs>
          {layout.edges.map((e) => (
            <Edge key={`${e.primary}>${e.standby}:${e.kind}`} edge={e} marker={markerOf(e)} />
          ))}
          {layout.nodes.map((n) => (
            <Node key={n.id} node={n} roleText={t(roleKey[n.role])} />
          ))}
        </svg>
      </div>
      {layout.edges.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">{t('history.topology.noLinks')}</p>
      ) : (
        <Legend />
      )}
    </section>
  );
}

function Edge({ edge, marker }: { edge: TopoEdge; marker: string }) {
  const { t } = useI18n();
  const style = styleOf(edge);
  const label = lagText(t, edge.lag);
  const midX = (edge.from.x + edge.to.x) / 2;
  const midY = (edge.from.y + edge.to.y) / 2;
  // Streaming labels above their line, archive labels below: a pair never overlaps.
  const labelY = edge.kind === 'archive' ? midY + 15 : midY - 7;
  const kindKey: MessageKey = !edge.active
    ? 'history.topology.linkLabel.inactive'
    : edge.kind === 'archive'
      ? 'history.topology.linkLabel.archive'
      : 'history.topology.linkLabel.streaming';
  return (
    <g
      data-testid={`topology-link-${edge.primary}-${edge.standby}`}
      data-kind={edge.kind}
      data-active={String(edge.active)}
    >
      <title>{t(kindKey, { primary: edge.primary, standby: edge.standby, lag: label })}</title>
      <line
        x1={edge.from.x}
        y1={edge.from.y}
        x2={edge.to.x - 2}
        y2={edge.to.y}
        stroke={style.stroke}
        strokeWidth={2}
        strokeDasharray={style.dash}
        markerEnd={`url(#${marker})`}
      />
      <text
        data-testid="topology-link-label"
        x={midX}
        y={labelY}
        textAnchor="middle"
        fontSize={11}
        fill={style.stroke}
        className="font-mono"
        paintOrder="stroke"
        stroke="white"
        strokeWidth={3}
      >
        {label}
      </text>
    </g>
  );
}

function Node({ node, roleText }: { node: TopoNode; roleText: string }) {
  const { t } = useI18n();
  const x = node.x - NODE_W / 2;
  const y = node.y - NODE_H / 2;
  const external = node.status === null;
  const stroke = !node.reachable
    ? '#dc2626'
    : external
      ? '#94a3b8'
      : node.role === 'primary'
        ? '#1d4ed8'
        : '#0f766e';
  const sub = external ? t('history.topology.external') : roleText;
  return (
    <g data-testid={`topology-node-${node.id}`} data-reachable={String(node.reachable)} data-role={node.role}>
      <title>
        {node.reachable
          ? t('history.topology.nodeLabel', { node: node.id, role: sub })
          : t('history.topology.nodeUnreachable', { node: node.id, role: sub })}
      </title>
      <rect
        x={x}
        y={y}
        width={NODE_W}
        height={NODE_H}
        rx={8}
        fill={node.reachable ? 'white' : '#fef2f2'}
        stroke={stroke}
        strokeWidth={node.reachable ? 1.5 : 2}
        strokeDasharray={!node.reachable || external ? '5 4' : undefined}
      />
      {!node.reachable && (
        // A cross in the corner: unreachable must read without relying on colour alone.
        <path
          d={`M${x + NODE_W - 18},${y + 6} l12,12 M${x + NODE_W - 6},${y + 6} l-12,12`}
          stroke="#dc2626"
          strokeWidth={2.5}
          strokeLinecap="round"
        />
      )}
      <text x={node.x} y={y + 20} textAnchor="middle" fontSize={14} fontWeight={600} fill="#0f172a">
        {node.id.length > 20 ? `${node.id.slice(0, 19)}…` : node.id}
      </text>
      <text x={node.x} y={y + 36} textAnchor="middle" fontSize={11} fill="#475569">
        {external && node.clientAddr ? `${sub} · ${node.clientAddr}` : sub}
      </text>
      {!node.reachable && (
        <text x={node.x} y={y + 52} textAnchor="middle" fontSize={11} fontWeight={600} fill="#b91c1c">
          {t('history.topology.unreachable')}
        </text>
      )}
    </g>
  );
}

function Legend() {
  const { t } = useI18n();
  const items = [
    { key: 'history.topology.legend.streaming', style: EDGE_STYLE.streaming },
    { key: 'history.topology.legend.archive', style: EDGE_STYLE.archive },
    { key: 'history.topology.legend.inactive', style: EDGE_STYLE.inactive },
  ] as const;
  return (
    <ul className="mt-2 flex flex-wrap gap-x-5 gap-y-1 text-xs text-slate-700">
      {items.map(({ key, style }) => (
        <li key={key} className="flex items-center gap-2">
          <svg width="34" height="8" aria-hidden="true">
            <line
              x1="1"
              y1="4"
              x2="33"
              y2="4"
              stroke={style.stroke}
              strokeWidth={2}
              strokeDasharray={style.dash}
            />
          </svg>
          {t(key)}
        </li>
      ))}
    </ul>
  );
}
