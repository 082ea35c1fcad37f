import type { NodeConfig } from '@walboard/shared/config';
import type { OperationPlan, PlanStep } from '@walboard/shared/operations';
import type { Capabilities } from '../postgres/capabilities.ts';

/** A file as read from the node before planning; null in PlanContext.files means it does not exist. */
export interface FileSnapshot {
  text: string;
  /** Permission bits, kept when the file is rewritten. */
  mode: number;
}

/** What the pure plan builders know about the node (gathered by node-facts.ts). */
export interface PlanContext {
  cluster: string;
  node: NodeConfig;
  /** null when the version could not be learned (server down and PG_VERSION unreadable). */
  caps: Capabilities | null;
  running: boolean;
  files: ReadonlyMap<string, FileSnapshot | null>;
  /** Type of whatever is at prepare-archive-dir's path, without following symlinks; null when nothing. */
  pathType?: 'file' | 'dir' | 'symlink' | 'other' | null;
  now: Date;
}

/** A config file rewrite: the runner backs `before` up, writes `after`, and reads it back. */
export interface FileChange {
  path: string;
  before: FileSnapshot | null;
  after: string;
  backup: string | null;
  /** name → value the server must read from this file afterwards. */
  expect: Record<string, string>;
}

/** One step as the runner executes it; `shown` is exactly what the page displays. */
export interface ExecStep {
  shown: PlanStep;
  timeoutMs: number;
  change?: FileChange;
  /** SQL step that reads pg_file_settings for `sourcefile` and must find exactly `expect`, no errors. */
  verify?: { sourcefile: string; expect: Record<string, string> };
}

export interface BuiltPlan {
  plan: OperationPlan;
  steps: ExecStep[];
}

/** The request cannot be carried out on this node as it is (wrong version, missing file, …). */
export class PlanRefusal extends Error {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlanRefusal';
  }
}
