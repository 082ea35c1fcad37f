// Before any schema below is built: zod probes `new Function` when a schema is made (CSP).
import './zod-jitless.ts';
import { z } from 'zod';
import { absolutePathSchema, nameSchema, portSchema } from './config.ts';

/**
 * Operations are fixed templates: each type has its own strict parameter schema, and the server
 * builds every command from those fields through the one shellQuote. Nothing here is free text
 * that reaches a shell.
 */

/** PostgreSQL replication slot names: lower-case letters, digits and "_" only, ≤ 63 (slot.c). */
export const slotNameSchema = z
  .string()
  .regex(/^[a-z0-9_]{1,63}$/, 'must be 1–63 lower-case letters, digits or "_" (PostgreSQL slot name rules)');

/** application_name as walboard writes it: the same allowlist as node names. */
export const applicationNameSchema = nameSchema;

/** A host name or IP address, never starting with "-". */
export const hostNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/, 'must be a host name or IP address');

export const stopModeSchema = z.enum(['smart', 'fast', 'immediate']);
export type StopMode = z.infer<typeof stopModeSchema>;

/**
 * postgresql.conf settings walboard may write (and nothing else). Each value is checked by its
 * own rule in settingValueRules (below) and escaped for the file format when written.
 */
export const SETTING_NAMES = [
  'listen_addresses',
  'wal_level',
  'max_wal_senders',
  'max_replication_slots',
  'wal_keep_size',
  'wal_keep_segments',
  'archive_mode',
  'archive_timeout',
  'hot_standby',
  'hot_standby_feedback',
  'synchronous_commit',
  'synchronous_standby_names',
  'cluster_name',
  'recovery_target_timeline',
  'max_wal_size',
  'min_wal_size',
  'wal_log_hints',
] as const;
export const settingNameSchema = z.enum(SETTING_NAMES);
export type SettingName = z.infer<typeof settingNameSchema>;

// Values are written between single quotes into a config file the server parses at every
// reload: nothing in them may end the line, and every rule below allows only what the setting
// itself can mean. Spaces are literal " " only: `\s` would also let in line breaks (\n, \r,
// U+2028, U+0085) and Unicode spaces (U+00A0, U+3000) that end a line or go into the file as is.
// Version facts (wal_keep_segments vs wal_keep_size, …) are checked at plan time.
const onOff = z.enum(['on', 'off'], 'must be on or off');
const sizeValue = z
  .string()
  .regex(
    /^(0|[1-9][0-9]{0,11}) *(B|kB|MB|GB|TB)?$/,
    'must be a whole number with an optional unit B, kB, MB, GB or TB (e.g. 512MB)',
  );
const timeValue = z
  .string()
  .regex(
    /^(0|[1-9][0-9]{0,9}) *(us|ms|s|min|h|d)?$/,
    'must be a whole number with an optional unit ms, s, min, h or d (e.g. 60s)',
  );
const countValue = z.string().regex(/^(0|[1-9][0-9]{0,9})$/, 'must be a whole number (e.g. 10)');
/** printable ASCII only (PostgreSQL replaces anything else in cluster_name with "?"). */
const printableAscii = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[\x20-\x7E]*$/, 'must be printable ASCII: no control characters, newlines or non-ASCII letters');

/** The rule each allowed setting's value must pass (values are strings, as in postgresql.conf). */
export const settingValueRules: Record<SettingName, z.ZodType<string>> = {
  listen_addresses: z
    .string()
    .max(1024)
    .regex(
      /^$|^(\*|[A-Za-z0-9_][A-Za-z0-9_.:%-]*)( *, *(\*|[A-Za-z0-9_][A-Za-z0-9_.:%-]*))*$/,
      'must be "*", or host names / IP addresses separated by commas',
    ),
  wal_level: z.enum(
    ['minimal', 'replica', 'logical', 'archive', 'hot_standby'],
    'must be minimal, replica or logical (archive / hot_standby on 9.x)',
  ),
  max_wal_senders: countValue,
  max_replication_slots: countValue,
  wal_keep_size: sizeValue,
  wal_keep_segments: countValue,
  archive_mode: z.enum(['on', 'off', 'always'], 'must be on, off or always'),
  archive_timeout: timeValue,
  hot_standby: onOff,
  hot_standby_feedback: onOff,
  synchronous_commit: z.enum(
    ['on', 'off', 'local', 'remote_write', 'remote_apply'],
    'must be on, off, local, remote_write or remote_apply',
  ),
  // FIRST/ANY n (name, "quoted name", …) or a plain list, or *: no single quotes or backslashes.
  synchronous_standby_names: z
    .string()
    .max(1024)
    .regex(
      /^[A-Za-z0-9_.,*()" -]*$/,
      'may hold only letters, digits, "_", ".", "-", ",", "*", "(", ")", spaces and double quotes (e.g. FIRST 1 (standby1, standby2))',
    ),
  cluster_name: printableAscii(63),
  recovery_target_timeline: z
    .string()
    .regex(/^(latest|current|[1-9][0-9]{0,9})$/, 'must be latest, current or a timeline number'),
  max_wal_size: sizeValue,
  min_wal_size: sizeValue,
  wal_log_hints: onOff,
};

/** Every setting value, whatever its own rule: printable ASCII (0x20–0x7E), nothing else. */
export const SETTING_VALUE_CHARS = /^[\x20-\x7E]*$/;
const SETTING_VALUE_CHARS_MESSAGE =
  'must be printable ASCII (0x20–0x7E): no line breaks, tabs, control characters or non-ASCII spaces';

/** set-settings' map: only allowlisted names, each value checked by its own rule. */
export const settingsMapSchema = z
  .partialRecord(settingNameSchema, z.string().max(1024))
  .refine((s) => Object.keys(s).length > 0, 'give at least one setting')
  .superRefine((s, ctx) => {
    for (const [name, value] of Object.entries(s) as [SettingName, string | undefined][]) {
      if (value === undefined) continue;
      // Checked before the setting's own rule, whatever that rule allows: a defence that does
      // not depend on every rule being written right.
      if (!SETTING_VALUE_CHARS.test(value)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `${name}: ${SETTING_VALUE_CHARS_MESSAGE}` });
        continue;
      }
      const r = settingValueRules[name].safeParse(value);
      if (!r.success) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${name}: ${r.error.issues[0]?.message ?? 'invalid value'}`,
        });
      }
    }
  });

const common = {
  /** The node it runs on (a configured node of the cluster). */
  node: nameSchema,
  /** Only plan: answer with what would run, run nothing. */
  dryRun: z.boolean().default(false),
  /** Destructive operations run only with confirm: true (after the page has shown the plan). */
  confirm: z.boolean().default(false),
};
const noParams = z.strictObject({}).default({});

/** Other nodes of the cluster an operation acts on: 1–16 distinct node names. */
export const nodeListSchema = z
  .array(nameSchema)
  .min(1, 'name at least one node')
  .max(16, 'at most 16 nodes')
  .refine((l) => new Set(l).size === l.length, 'each node may be named once');

/** How a standby gets its copy of the primary's data directory. */
export const baseBackupMethodSchema = z.enum(['pg_basebackup', 'lab']);
export type BaseBackupMethod = z.infer<typeof baseBackupMethodSchema>;

export const promoteMethodSchema = z.enum(['auto', 'trigger-file', 'pg_ctl', 'pg_promote']);
/**
 * How the old primary is kept from accepting writes while the standby takes over: walboard stops
 * it, or the user confirms it is down (typing its name) when walboard cannot.
 */
export const fenceSchema = z.enum(['stop-old-primary', 'confirmed-down']);

/** The replication role walboard creates on the primary and standbys connect as. */
export const replicationUserSchema = nameSchema.default('replicator');

export const operationRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), ...common, params: noParams }),
  z.strictObject({
    type: z.literal('stop'),
    ...common,
    params: z.strictObject({ mode: stopModeSchema.default('fast') }).default({ mode: 'fast' }),
  }),
  z.strictObject({
    type: z.literal('restart'),
    ...common,
    params: z.strictObject({ mode: stopModeSchema.default('fast') }).default({ mode: 'fast' }),
  }),
  z.strictObject({ type: z.literal('reload'), ...common, params: noParams }),
  z.strictObject({
    type: z.literal('create-slot'),
    ...common,
    params: z.strictObject({ slotName: slotNameSchema }),
  }),
  z.strictObject({
    type: z.literal('drop-slot'),
    ...common,
    params: z.strictObject({ slotName: slotNameSchema }),
  }),
  z.strictObject({
    type: z.literal('prepare-archive-dir'),
    ...common,
    /** Defaults to the node's archiveDir from walboard.yaml. */
    params: z.strictObject({ path: absolutePathSchema.optional() }).default({}),
  }),
  z.strictObject({
    type: z.literal('set-settings'),
    ...common,
    params: z.strictObject({
      settings: settingsMapSchema,
    }),
  }),
  z.strictObject({
    type: z.literal('set-standby-source'),
    ...common,
    params: z.strictObject({
      host: hostNameSchema,
      port: portSchema.default(5432),
      user: nameSchema,
      applicationName: applicationNameSchema,
      slotName: slotNameSchema.optional(),
    }),
  }),
  /** Changes nothing: one pass/fail line per check, on the primary (node) and each standby. */
  z.strictObject({
    type: z.literal('preflight'),
    ...common,
    params: z.strictObject({ standbys: nodeListSchema }),
  }),
  /** ssh from the primary (node) to each standby without a password, host keys from walboard's pins. */
  z.strictObject({
    type: z.literal('link-nodes'),
    ...common,
    params: z.strictObject({ standbys: nodeListSchema }),
  }),
  /** Archiving to each standby, streaming settings, the replication role and pg_hba lines. */
  z.strictObject({
    type: z.literal('configure-primary'),
    ...common,
    params: z.strictObject({
      standbys: nodeListSchema,
      slots: z.boolean().default(false),
      replicationUser: replicationUserSchema,
    }),
  }),
  /** A fresh copy of `from`'s data directory on this node (the standby); the old one is kept aside. */
  z.strictObject({
    type: z.literal('base-backup'),
    ...common,
    params: z.strictObject({
      from: nameSchema,
      method: baseBackupMethodSchema.default('pg_basebackup'),
      replicationUser: replicationUserSchema,
      /** The node runs as a primary with client sessions: replace its data anyway. */
      overwriteInUse: z.boolean().default(false),
    }),
  }),
  /** Standby settings per version (recovery.conf ≤ 11, standby.signal 12+), pointing at `primary`. */
  z.strictObject({
    type: z.literal('configure-standby'),
    ...common,
    params: z.strictObject({
      primary: nameSchema,
      slot: slotNameSchema.optional(),
      replicationUser: replicationUserSchema,
    }),
  }),
  /** Makes this standby a primary; refuses while the old primary accepts writes unless fenced. */
  z.strictObject({
    type: z.literal('promote'),
    ...common,
    params: z
      .strictObject({
        method: promoteMethodSchema.default('auto'),
        fence: fenceSchema.optional(),
        /** With fence confirmed-down: the old primary's name, typed by the user. */
        confirmDown: nameSchema.optional(),
      })
      .refine((p) => p.fence !== 'confirmed-down' || p.confirmDown !== undefined, {
        path: ['confirmDown'],
        message: "fence confirmed-down needs the old primary's name typed in confirmDown",
      })
      .refine((p) => p.confirmDown === undefined || p.fence === 'confirmed-down', {
        path: ['confirmDown'],
        message: 'confirmDown goes with fence confirmed-down only',
      })
      .default({ method: 'auto' }),
  }),
  /** Removes archived WAL the node (a primary now) no longer needs: only files before its redo point. */
  z.strictObject({ type: z.literal('clean-archive'), ...common, params: noParams }),
  /** The whole lab on node (primary) and standbys: preflight → link → primary → copy → standby → start. */
  z.strictObject({
    type: z.literal('setup-replication'),
    ...common,
    params: z.strictObject({
      standbys: nodeListSchema,
      method: baseBackupMethodSchema.default('pg_basebackup'),
      slots: z.boolean().default(false),
      replicationUser: replicationUserSchema,
    }),
  }),
  /** The old primary (node, stopped) becomes a standby of `primary`, with pg_rewind when it diverged. */
  z.strictObject({
    type: z.literal('rejoin'),
    ...common,
    params: z.strictObject({
      primary: nameSchema,
      replicationUser: replicationUserSchema,
    }),
  }),
  /**
   * Repoints this standby at `primary` (a promoted node, or another standby: cascading) without a
   * new copy; refuses when it replayed past the fork point of `primary`'s timeline.
   */
  z.strictObject({
    type: z.literal('follow'),
    ...common,
    params: z.strictObject({
      primary: nameSchema,
      slot: slotNameSchema.optional(),
      replicationUser: replicationUserSchema,
    }),
  }),
  /**
   * After a promotion: this node (the new primary) ships WAL to `standbys` — link-nodes plus the
   * archiving part of configure-primary — and its standby-time leftovers are cleaned up.
   */
  z.strictObject({
    type: z.literal('ship-wal'),
    ...common,
    params: z.strictObject({
      standbys: nodeListSchema,
      replicationUser: replicationUserSchema,
    }),
  }),
  /** Planned role swap with the primary this standby (node) streams from: nothing committed is lost. */
  z.strictObject({ type: z.literal('switchover'), ...common, params: noParams }),
]);
export type OperationRequest = z.infer<typeof operationRequestSchema>;
export type OperationType = OperationRequest['type'];
export type OperationRequestOf<T extends OperationType> = Extract<OperationRequest, { type: T }>;
export const OPERATION_TYPES: readonly OperationType[] = [
  'setup-replication',
  'preflight',
  'link-nodes',
  'configure-primary',
  'base-backup',
  'configure-standby',
  'promote',
  'clean-archive',
  'start',
  'stop',
  'restart',
  'reload',
  'create-slot',
  'drop-slot',
  'prepare-archive-dir',
  'set-settings',
  'set-standby-source',
  'rejoin',
  'follow',
  'ship-wal',
  'switchover',
];

/** Stops a server, drops data or rewrites a file: these run only with confirm: true. */
export const DESTRUCTIVE_TYPES: ReadonlySet<OperationType> = new Set<OperationType>([
  'stop',
  'restart',
  'drop-slot',
  'set-settings',
  'set-standby-source',
  'link-nodes',
  'configure-primary',
  'base-backup',
  'configure-standby',
  'promote',
  'clean-archive',
  'setup-replication',
  'rejoin',
  'follow',
  'ship-wal',
  'switchover',
]);

/** A command or statement a check step runs on one node (shown in the plan). */
export const checkRunSchema = z.strictObject({
  node: z.string(),
  argv: z.array(z.string()).optional(),
  sql: z.string().optional(),
});

/** One step of a plan, shown before anything runs: the exact argv, SQL or file change. */
export const planStepSchema = z.strictObject({
  node: z.string(),
  /**
   * command: argv on `node` · sql: a statement with bound values · file: a file change with its
   * diff · check: reads only, passes or fails (the commands it runs are in `runs`) · copy: `argv`
   * on `node` streamed into `pipeTo.argv` on another node.
   */
  kind: z.enum(['command', 'sql', 'file', 'check', 'copy']),
  /** A short human title (English; the page translates by `kind` + the fields below). */
  title: z.string(),
  argv: z.array(z.string()).optional(),
  /** SQL text with $1… placeholders; `sqlParams` are bound, never spliced in. */
  sql: z.string().optional(),
  sqlParams: z.array(z.string()).optional(),
  /** File changes: path, where the original is backed up, and a unified diff. */
  file: z.strictObject({ path: z.string(), backup: z.string().nullable(), diff: z.string() }).optional(),
  /** copy steps: the receiving end. */
  pipeTo: z.strictObject({ node: z.string(), argv: z.array(z.string()) }).optional(),
  /** check steps: every command / statement the check runs, on which node. */
  runs: z.array(checkRunSchema).optional(),
  /** What the step does beyond its command (waits, values known only when it runs, why). */
  detail: z.string().optional(),
  /** Composite operations: the phase (an operation type) this step belongs to. */
  phase: z.string().optional(),
  /** Once the operation reaches this step, cancelling waits until the critical steps are done. */
  critical: z.boolean().optional(),
});
export type PlanStep = z.infer<typeof planStepSchema>;

/** What a promotion would lose, shown before asking: LSNs and byte counts as decimal text. */
export const lossCheckSchema = z.strictObject({
  oldPrimary: z.string().nullable(),
  /** writable: reachable and out of recovery · down: reachable host, server stopped · unreachable. */
  oldPrimaryState: z.enum(['writable', 'down', 'unreachable', 'none']),
  primaryLsn: z.string().nullable(),
  receivedLsn: z.string().nullable(),
  replayedLsn: z.string().nullable(),
  /** WAL the old primary wrote that this standby has not received (null: unknown). */
  unreceivedBytes: z.string().nullable(),
  /** WAL received but not replayed yet (replayed before promotion finishes). */
  unreplayedBytes: z.string().nullable(),
  /** Promotion is refused without a fence while this is true. */
  fenceNeeded: z.boolean(),
});
export type LossCheck = z.infer<typeof lossCheckSchema>;

/** A phase of a composite operation (setup-replication): planned now, or when it is reached. */
export const planPhaseSchema = z.strictObject({
  id: z.string(),
  /** The operation type the phase runs, or "check" for a composite's closing check. */
  type: z.string(),
  node: z.string(),
  title: z.string(),
  /** false: its steps depend on earlier phases; they are planned again when the phase starts. */
  final: z.boolean(),
});
export type PlanPhase = z.infer<typeof planPhaseSchema>;

export const operationPlanSchema = z.strictObject({
  type: z.string(),
  cluster: z.string(),
  node: z.string(),
  /** Stops a server, drops data or rewrites a config file: needs confirm: true. */
  destructive: z.boolean(),
  steps: z.array(planStepSchema),
  /** What the page should know before running it (no-ops, settings that need a restart, …). */
  notes: z.array(z.string()).optional(),
  /** promote: what would be lost. */
  lossCheck: lossCheckSchema.optional(),
  /**
   * Set on a dry run that would be refused as asked (e.g. a promotion without a fence): the page
   * shows the plan's facts and this reason; running it answers 422 with the same text.
   */
  refusal: z.string().optional(),
  /** Composite operations: their phases in order. */
  phases: z.array(planPhaseSchema).optional(),
});
export type OperationPlan = z.infer<typeof operationPlanSchema>;

/**
 * cancelled: stopped between steps at the user's request · interrupted: the controller stopped
 * while it ran (the step it was in is marked failed; nothing is retried by itself).
 */
export const operationStateSchema = z.enum(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']);
export type OperationState = z.infer<typeof operationStateSchema>;

/** A long step's progress (copies): bytes done of total, rate and time left when known. */
export const stepProgressSchema = z.strictObject({
  doneBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative().nullable(),
  bytesPerSecond: z.number().nonnegative().nullable(),
  etaSeconds: z.number().nonnegative().nullable(),
  /** What the copy is doing now, e.g. PostgreSQL's pg_stat_progress_basebackup phase. */
  phase: z.string().optional(),
  updatedAt: z.string(),
});
export type StepProgress = z.infer<typeof stepProgressSchema>;

/** What a promotion ended with: the new timeline and the history file PostgreSQL wrote. */
export const promotionResultSchema = z.strictObject({
  timeline: z.number().int().positive(),
  historyFile: z.string(),
  history: z.string(),
});
export type PromotionResult = z.infer<typeof promotionResultSchema>;

export const stepRunSchema = z.strictObject({
  ...planStepSchema.shape,
  state: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']),
  /** What it printed (stdout then stderr), cut to the last 64 KiB. */
  output: z.string(),
  exitCode: z.number().int().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: stepProgressSchema.optional(),
});
export type StepRun = z.infer<typeof stepRunSchema>;

export const operationSchema = z.strictObject({
  id: z.string(),
  cluster: z.string(),
  node: z.string(),
  type: z.string(),
  params: z.record(z.string(), z.unknown()),
  requestedBy: z.string(),
  state: operationStateSchema,
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  message: z.string(),
  steps: z.array(stepRunSchema),
  /** Set once someone asked to cancel; the runner stops at the next step boundary it may. */
  cancelRequested: z.boolean().optional(),
  /** Composite operations: their phases, in order. */
  phases: z.array(planPhaseSchema).optional(),
  promotion: promotionResultSchema.optional(),
  /** What is safe to do next, after a failure, a cancel or an interruption. */
  nextAction: z.string().optional(),
});
export type Operation = z.infer<typeof operationSchema>;

/** `POST /api/clusters/:c/operations` answers: 200 {plan} for a dry run, 202 {id} once started. */
export const operationDryRunResponseSchema = z.strictObject({ plan: operationPlanSchema });
export const operationStartedResponseSchema = z.strictObject({ id: z.string() });
export const operationListSchema = z.array(operationSchema);

/** 409 answer to a destructive operation sent without confirm: true — the plan to show first. */
export const operationConfirmRequiredSchema = z.strictObject({
  error: z.literal('WB_ERR_CONFIRM_REQUIRED'),
  message: z.string(),
  node: z.string(),
  plan: operationPlanSchema,
});
export type OperationConfirmRequired = z.infer<typeof operationConfirmRequiredSchema>;

/** `GET /api/clusters/:cluster/operations?limit=N`: the newest N operations (default 50). */
export const operationListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type OperationListQuery = z.infer<typeof operationListQuerySchema>;
