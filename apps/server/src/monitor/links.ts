import type { NodeStatus, ReplicationLink, WalSender } from '@walboard/shared/status';
import { computeLag } from './lag.ts';
import type { WalTimeline } from './wal-timeline.ts';

/** What links need to know about one configured node besides its latest status. */
export interface LinkNode {
  status: NodeStatus;
  /** The address walboard knows the node by (config `host` for ssh nodes; 'localhost' for local). */
  host: string;
  transport: 'ssh' | 'local';
  /** PostgreSQL's port as seen on the node itself (what a standby's primary_conninfo names). */
  pgPort: number;
  /** restore_command is set (12+); null when unknown (≤ 11 keeps it in recovery.conf). */
  restoreCommandSet: boolean | null;
  /** When this node, as a primary, was first seen at each WAL position (lag in seconds reads it). */
  walTimeline?: Pick<WalTimeline, 'firstSeenAfter'> | null;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

const pgUp = (n: LinkNode) => n.status.reachability.pg === 'up';

/** Does this standby's WAL receiver name `primary` as its upstream (sender_host[:port], 11+)? */
function receiverPointsAt(standby: LinkNode, primary: LinkNode): boolean {
  const r = standby.status.receiver;
  if (!r?.senderHost) return false;
  if (r.senderPort !== null && r.senderPort !== primary.pgPort) return false;
  const h = r.senderHost;
  if (primary.transport === 'local') return LOCAL_HOSTS.has(h) || h.startsWith('/');
  return h === primary.host || h === primary.status.node;
}

/** The configured node a WAL sender serves: application_name = node name, else client address. */
function matchSender(s: WalSender, primary: LinkNode, nodes: readonly LinkNode[]): LinkNode | null {
  const others = nodes.filter((n) => n !== primary);
  const byName = others.find((n) => n.status.node === s.applicationName);
  if (byName) return byName;
  // Local nodes share 127.0.0.1 (or a socket): an address only tells ssh nodes apart.
  const byAddr = others.filter(
    (n) => n.transport === 'ssh' && s.clientAddr !== null && n.host === s.clientAddr,
  );
  return byAddr.length === 1 ? (byAddr[0] ?? null) : null;
}

/**
 * Where the upstream's WAL is: a primary's current LSN; a standby feeding others (cascading) sends
 * what it has received, so its receive position (else its replay position) is what its own
 * standbys are behind.
 */
function upstreamLsn(n: LinkNode): string | null {
  if (!pgUp(n)) return null;
  if (n.status.role === 'primary') return n.status.currentLsn;
  return n.status.receiveLsn ?? n.status.replayLsn;
}

function link(primary: LinkNode, standby: LinkNode | null, sender: WalSender | null): ReplicationLink {
  const st = standby && pgUp(standby) && standby.status.role === 'standby' ? standby.status : null;
  return {
    primary: primary.status.node,
    standby: standby?.status.node ?? null,
    applicationName: sender?.applicationName ?? null,
    clientAddr: sender?.clientAddr ?? null,
    // pg_basebackup also holds a WAL sender ('backup'): that is no replication link.
    streaming: sender !== null && sender.state !== 'backup',
    // A standby feeding others archives nothing (archive_mode 'on' is idle in recovery): a
    // cascaded standby's archive is fed by the primary at the top, not along this edge.
    archiveShipping: standby?.restoreCommandSet === true && primary.status.role !== 'standby',
    state: sender?.state ?? null,
    lag: computeLag({
      primaryCurrentLsn: upstreamLsn(primary),
      primaryObservedAt: primary.status.observedAt,
      sender: sender
        ? { flushLsn: sender.flushLsn, replayLsn: sender.replayLsn, replayLagMs: sender.replayLagMs }
        : null,
      standby: st
        ? {
            receiveLsn: st.receiveLsn,
            replayLsn: st.replayLsn,
            observedAt: st.observedAt,
          }
        : null,
      firstSeenAfter:
        primary.walTimeline && primary.status.role === 'primary'
          ? (lsn) => primary.walTimeline?.firstSeenAfter(lsn) ?? null
          : undefined,
    }),
  };
}

/**
 * Upstream → standby edges of one cluster, from the latest statuses (an upstream is a primary, or
 * a standby that feeds others: cascading replication):
 *  1. every WAL sender of every reachable upstream, matched to a configured node when possible
 *     (unmatched senders stay, with standby null);
 *  2. a standby whose receiver names that primary but has no sender there (receiver not streaming)
 *     — or, when exactly one sender and one such standby are left over, the two are paired;
 *  3. an edge seen before whose primary or standby is now unreachable (or not streaming) and that
 *     neither side contradicts (no role change observed) stays, with streaming false.
 */
export function deriveLinks(
  nodes: readonly LinkNode[],
  previous: readonly ReplicationLink[],
): ReplicationLink[] {
  const byName = new Map(nodes.map((n) => [n.status.node, n]));
  const out: ReplicationLink[] = [];
  const linkedStandbys = new Set<string>();

  // Primaries first, then standbys that feed others (cascading): a standby's own upstream edge is
  // found before the edges it serves, whatever the order of walboard.yaml.
  const upstreams = [
    ...nodes.filter((n) => pgUp(n) && n.status.role === 'primary'),
    ...nodes.filter(
      (n) =>
        pgUp(n) &&
        n.status.role === 'standby' &&
        (n.status.senders.length > 0 || nodes.some((o) => o !== n && receiverPointsAt(o, n))),
    ),
  ];
  for (const p of upstreams) {
    const unmatched: WalSender[] = [];
    for (const s of p.status.senders) {
      const sb = matchSender(s, p, nodes);
      if (sb && !linkedStandbys.has(sb.status.node)) {
        linkedStandbys.add(sb.status.node);
        out.push(link(p, sb, s));
      } else {
        unmatched.push(s);
      }
    }
    const pointing = nodes.filter(
      (n) =>
        n !== p &&
        !linkedStandbys.has(n.status.node) &&
        pgUp(n) &&
        n.status.role === 'standby' &&
        receiverPointsAt(n, p),
    );
    const onlySender = unmatched.filter((s) => s.state !== 'backup');
    if (pointing.length === 1 && onlySender.length === 1 && pointing[0] && onlySender[0]) {
      const [sb, s] = [pointing[0], onlySender[0]];
      linkedStandbys.add(sb.status.node);
      out.push(link(p, sb, s));
      unmatched.splice(unmatched.indexOf(s), 1);
    } else {
      for (const sb of pointing) {
        linkedStandbys.add(sb.status.node);
        out.push(link(p, sb, null));
      }
    }
    for (const s of unmatched) out.push(link(p, null, s));
  }

  for (const prev of previous) {
    if (prev.standby === null || linkedStandbys.has(prev.standby)) continue;
    const p = byName.get(prev.primary);
    const sb = byName.get(prev.standby);
    if (!p || !sb) continue;
    // A role we can see that contradicts the edge (promoted standby) ends it; an upstream may be
    // a standby itself (cascading).
    const primaryOk = pgUp(p) ? p.status.role === 'primary' || p.status.role === 'standby' : true;
    const standbyOk = pgUp(sb) ? sb.status.role === 'standby' : true;
    if (!primaryOk || !standbyOk) continue;
    linkedStandbys.add(prev.standby);
    out.push(link(p, sb, null));
  }

  return out.sort(
    (a, b) =>
      a.primary.localeCompare(b.primary) ||
      (a.standby ?? '\uffff').localeCompare(b.standby ?? '\uffff') ||
      (a.applicationName ?? '').localeCompare(b.applicationName ?? '') ||
      (a.clientAddr ?? '').localeCompare(b.clientAddr ?? ''),
  );
}
