import type { Lag, NodeStatus, ReplicationLink, Role } from '@walboard/shared';
import { seriesName } from './lag-series.ts';

export interface TopoNode {
  /** Node name, or the sender's application_name for a standby walboard does not know. */
  id: string;
  /** null for a standby that is not in walboard.yaml (seen only as a WAL sender on its primary). */
  status: NodeStatus | null;
  role: Role;
  reachable: boolean;
  /** Box centre, in SVG user units. */
  x: number;
  y: number;
  /** For an unknown standby: where its sender connects from. */
  clientAddr: string | null;
}

export type EdgeKind = 'streaming' | 'archive';

export interface TopoEdge {
  primary: string;
  standby: string;
  kind: EdgeKind;
  /** false for an edge seen before that does not stream now (cut off, or the receiver stopped). */
  active: boolean;
  lag: Lag;
  from: { x: number; y: number };
  to: { x: number; y: number };
}

export interface TopologyLayout {
  nodes: TopoNode[];
  edges: TopoEdge[];
  width: number;
  height: number;
}

export const NODE_W = 168;
export const NODE_H = 60;
const COL_GAP = 150;
const ROW_GAP = 28;
const PAD = 12;
/** Streaming and archive edges of one pair run this far apart, so both stay visible. */
const PAIR_OFFSET = 11;

/** Reachable means every link walboard uses to the node is up (ssh, when it has one, and pg). */
export function isReachable(status: NodeStatus): boolean {
  return status.reachability.pg === 'up' && status.reachability.ssh !== 'down';
}

/**
 * Places primaries left and their standbys right (a cascade goes one column further), each
 * primary centred on its standbys; nodes without any link stand side by side below.
 */
export function layoutTopology(
  statuses: readonly NodeStatus[],
  links: readonly ReplicationLink[],
): TopologyLayout {
  const byName = new Map(statuses.map((s) => [s.node, s]));
  const usable = links.flatMap((l) => {
    const standby = seriesName(l);
    return standby === null || standby === l.primary ? [] : [{ link: l, standby }];
  });
  const children = new Map<string, string[]>();
  const parent = new Map<string, string>();
  const extra = new Map<string, string | null>(); // unknown standbys → client address
  for (const { link, standby } of usable) {
    if (parent.has(standby)) continue; // a standby follows one upstream; a second edge is still drawn
    parent.set(standby, link.primary);
    const list = children.get(link.primary) ?? [];
    list.push(standby);
    children.set(link.primary, list);
    if (!byName.has(standby)) extra.set(standby, link.clientAddr);
  }

  const linked = new Set([...children.keys(), ...parent.keys()]);
  // Roots in the order the server lists nodes; a primary missing from the statuses still gets drawn.
  const order = [...statuses.map((s) => s.node), ...[...children.keys()].filter((n) => !byName.has(n))];
  const roots = order.filter((n) => linked.has(n) && !parent.has(n));
  // A cycle (never in a sane cluster, but links come from observations) must not hang the page.
  for (const n of linked) if (!roots.includes(n) && !reachesRoot(n, parent)) roots.push(n);

  const pos = new Map<string, { col: number; row: number }>();
  let nextRow = 0;
  const place = (n: string, col: number, path: Set<string>): number => {
    const kids = (children.get(n) ?? []).filter((k) => !path.has(k) && !pos.has(k));
    if (kids.length === 0) {
      pos.set(n, { col, row: nextRow });
      return nextRow++;
    }
    path.add(n);
    const rows = kids.map((k) => place(k, col + 1, path));
    path.delete(n);
    const row = ((rows[0] ?? 0) + (rows.at(-1) ?? 0)) / 2;
    pos.set(n, { col, row });
    return row;
  };
  for (const r of roots) if (!pos.has(r)) place(r, 0, new Set());

  const alone = statuses.filter((s) => !linked.has(s.node));
  const rowsUsed = nextRow;
  alone.forEach((s, i) => {
    pos.set(s.node, { col: i, row: rowsUsed });
  });

  const xOf = (col: number) => PAD + NODE_W / 2 + col * (NODE_W + COL_GAP);
  const yOf = (row: number) => PAD + NODE_H / 2 + row * (NODE_H + ROW_GAP);
  const nodes: TopoNode[] = [];
  for (const [id, p] of pos) {
    const status = byName.get(id) ?? null;
    nodes.push({
      id,
      status,
      role: status?.role ?? (children.has(id) ? 'primary' : 'standby'),
      // An unknown standby is only seen through its primary's sender: reachable as far as we know.
      reachable: status ? isReachable(status) : true,
      x: xOf(p.col),
      y: yOf(p.row),
      clientAddr: extra.get(id) ?? null,
    });
  }
  const at = new Map(nodes.map((n) => [n.id, n]));

  const edges: TopoEdge[] = [];
  for (const { link, standby } of usable) {
    const a = at.get(link.primary);
    const b = at.get(standby);
    if (!a || !b) continue;
    const kinds: { kind: EdgeKind; active: boolean }[] = [];
    if (link.streaming) kinds.push({ kind: 'streaming', active: true });
    if (link.archiveShipping) kinds.push({ kind: 'archive', active: true });
    if (kinds.length === 0) kinds.push({ kind: 'streaming', active: false });
    kinds.forEach(({ kind, active }, i) => {
      const dy = kinds.length === 1 ? 0 : i === 0 ? -PAIR_OFFSET : PAIR_OFFSET;
      edges.push({
        primary: link.primary,
        standby,
        kind,
        active,
        lag: link.lag,
        from: { x: a.x + NODE_W / 2, y: a.y + dy },
        to: { x: b.x - NODE_W / 2, y: b.y + dy },
      });
    });
  }

  const maxX = Math.max(0, ...nodes.map((n) => n.x + NODE_W / 2));
  const maxY = Math.max(0, ...nodes.map((n) => n.y + NODE_H / 2));
  return { nodes, edges, width: maxX + PAD, height: maxY + PAD };
}

function reachesRoot(n: string, parent: ReadonlyMap<string, string>): boolean {
  const seen = new Set<string>();
  let cur: string | undefined = n;
  while (cur !== undefined && !seen.has(cur)) {
    seen.add(cur);
    cur = parent.get(cur);
  }
  return cur === undefined;
}
