import type { NodeConfig } from '@walboard/shared/config';
import type {
  OperationPlan,
  OperationRequest,
  PlanStep,
  PromotionResult,
  StepProgress,
} from '@walboard/shared/operations';
import type { NodeSession } from '../nodes/node-session.ts';
import type { Capabilities } from '../postgres/capabilities.ts';

/** A file as read from the node before planning; null in PlanContext.files means it does not exist. */
export interface FileSnapshot {
  text: string;
  /** Permission bits, kept when the file is rewritten. */
  mode: number;
}

/** What the pure plan builders of single-node operations know about the node. */
import type { ShutdownFacts } from './types/shutdown-step.ts';

export interface PlanContext {
  cluster: string;
  node: NodeConfig;
  /** null when the version could not be learned (server down and PG_VERSION unreadable). */
  caps: Capabilities | null;
  running: boolean;
  files: ReadonlyMap<string, FileSnapshot | null>;
  /** Type of whatever is at prepare-archive-dir's path, without following symlinks; null when nothing. */
  pathType?: 'file' | 'dir' | 'symlink' | 'other' | null;
  /** stop / restart of a running server: what its shutdown will wait for. */
  shutdown?: ShutdownFacts;
  now: Date;
}

/** A file rewrite: the runner backs `before` up, writes `after`, and reads it back. */
export interface FileChange {
  path: string;
  before: FileSnapshot | null;
  after: string;
  backup: string | null;
  /** name → value the server must read from this file afterwards (config files only). */
  expect: Record<string, string>;
  /** config: a PostgreSQL config file, parsed again after writing · text: compared byte for byte. */
  format?: 'config' | 'text';
  /** Mode of a file that did not exist (default 0600). */
  mode?: number;
}

/** What one step ended with. */
export interface StepResult {
  ok: boolean;
  output: string;
  exitCode: number | null;
  /** Why it failed, in one line for the operation's message. */
  reason?: string;
  /** The step stopped because the operation was cancelled (its clean-up ran). */
  cancelled?: boolean;
}

/** What a step that runs code of its own (waits, generated secrets, copies) may use. */
export interface StepRuntime {
  readonly cluster: string;
  session(node: string): NodeSession;
  /** A line of output, shown on the page while the step runs. */
  out(line: string): void;
  progress(p: Omit<StepProgress, 'updatedAt'>): void;
  /** Aborted when the user cancels: long steps stop and clean up. */
  readonly signal: AbortSignal;
  /** Values later steps of the same operation need (a generated password, an open backup session). */
  readonly shared: Map<string, unknown>;
  /** Runs once the operation has ended, whatever the outcome. */
  onCleanup(fn: () => Promise<void> | void): void;
  setPromotion(p: PromotionResult): void;
  now(): Date;
}

/** One step as the runner executes it; `shown` is exactly what the page displays. */
export interface ExecStep {
  shown: PlanStep;
  timeoutMs: number;
  change?: FileChange;
  /** SQL step that reads pg_file_settings for `sourcefile` and must find exactly `expect`, no errors. */
  verify?: { sourcefile: string; expect: Record<string, string> };
  /** Code of its own instead of the argv / SQL / file change shown (which it still runs). */
  run?: (rt: StepRuntime) => Promise<StepResult>;
  /** Checks: a failure is recorded and the following steps still run; the operation fails at the end. */
  continueOnFailure?: boolean;
}

/** A phase of a composite operation: planned again, with fresh facts, when the runner reaches it. */
export interface PhaseSpec {
  id: string;
  request: OperationRequest;
}

export interface BuiltPlan {
  plan: OperationPlan;
  steps: ExecStep[];
  /** Composite operations: steps carry shown.phase = PhaseSpec.id. */
  phases?: PhaseSpec[];
  /** What to tell the user to do next if the operation stops early (failure, cancel). */
  nextAction?: string;
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
