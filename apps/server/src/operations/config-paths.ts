import type { NodeConfig } from '@walboard/shared/config';

/** postgresql.conf: `postgres.configFile` (Debian layout) or the one in the data directory. */
export function postgresqlConfPath(node: NodeConfig): string {
  return node.postgres.configFile ?? `${node.postgres.dataDir}/postgresql.conf`;
}

/** postgresql.auto.conf always lives in the data directory (ALTER SYSTEM writes it there). */
export function autoConfPath(node: NodeConfig): string {
  return `${node.postgres.dataDir}/postgresql.auto.conf`;
}

/** recovery.conf (PostgreSQL ≤ 11) lives in the data directory. */
export function recoveryConfPath(node: NodeConfig): string {
  return `${node.postgres.dataDir}/recovery.conf`;
}

export function standbySignalPath(node: NodeConfig): string {
  return `${node.postgres.dataDir}/standby.signal`;
}

/** `<file>.walboard-20250101T101010123Z.bak`: sortable, one per change, beside the file. */
export function backupPath(path: string, now: Date): string {
  return `${path}.walboard-${now.toISOString().replace(/[-:.]/g, '')}.bak`;
}
