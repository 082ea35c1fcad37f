import type { Role } from '@walboard/shared';
import {
  type BaseBackupMethod,
  baseBackupMethodSchema,
  fenceSchema,
  OPERATION_TYPES,
  type OperationRequest,
  type OperationRequestOf,
  type OperationType,
  operationRequestSchema,
  promoteMethodSchema,
  SETTING_NAMES,
  type SettingName,
  stopModeSchema,
} from '@walboard/shared/operations';

/**
 * What the operation form holds, as typed by the user (every field text, as in the inputs).
 * One shape for every operation type: switching types keeps what was typed, and `buildRequest`
 * picks only the fields that type takes.
 */
export interface OperationForm {
  type: OperationType;
  node: string;
  mode: 'smart' | 'fast' | 'immediate';
  slotName: string;
  /** prepare-archive-dir: empty means the node's archiveDir from walboard.yaml. */
  path: string;
  settings: SettingRow[];
  host: string;
  port: string;
  user: string;
  applicationName: string;
  /** preflight, link-nodes, configure-primary, setup-replication: other nodes, in the cluster's order. */
  standbys: string[];
  /** base-backup: the node whose data directory is copied. */
  from: string;
  /** configure-standby: the node it streams from. */
  primary: string;
  /** base-backup and setup-replication. */
  backupMethod: BaseBackupMethod;
  promoteMethod: PromoteMethod;
  /** promote: 'none' sends no fence (the server refuses while the old primary accepts writes). */
  fence: FenceChoice;
  /** promote with fence confirmed-down: the old primary's name, typed by the user. */
  confirmDown: string;
  slots: boolean;
  overwriteInUse: boolean;
  /** Empty means the server's default role name (replicator). */
  replicationUser: string;
  /** configure-standby: the slot it streams through (optional). */
  slot: string;
}

type PromoteParams = OperationRequestOf<'promote'>['params'];
export type PromoteMethod = PromoteParams['method'];
export type FenceChoice = 'none' | NonNullable<PromoteParams['fence']>;
export const PROMOTE_METHODS: readonly PromoteMethod[] = promoteMethodSchema.options;
export const BACKUP_METHODS: readonly BaseBackupMethod[] = baseBackupMethodSchema.options;
export const FENCE_CHOICES: readonly FenceChoice[] = ['none', ...fenceSchema.options];

/** A node of the cluster as the form offers it (from the live cluster state). */
export interface NodeChoice {
  name: string;
  role: Role;
}

/** The default replication role, as the shared schema defaults it. */
export const DEFAULT_REPLICATION_USER = 'replicator';

export interface SettingRow {
  name: SettingName;
  value: string;
}

/**
 * The rule an error breaks, so the page can say it in the user's language; null when only the
 * schema's (English) message is known.
 */
export type FieldRule =
  | 'name'
  | 'slotName'
  | 'host'
  | 'port'
  | 'path'
  | 'settingName'
  | 'settingDuplicate'
  | 'settingValue'
  | 'settingsEmpty'
  | 'standbys'
  | 'pickNode'
  | 'otherNode'
  | 'confirmDown';

/** `field` is the form field's id: `slotName`, `port`, `settings.2.value`, … or `form`. */
export interface FieldError {
  field: string;
  rule: FieldRule | null;
  message: string;
  /** The setting a settings row's error is about. */
  setting?: string;
}

export type BuildResult = { ok: true; request: OperationRequest } | { ok: false; errors: FieldError[] };

const firstSetting: SettingName = SETTING_NAMES[0];

/** The cluster's nodes other than `node`, in the cluster's order. */
export function otherNodes(nodes: readonly NodeChoice[], node: string): NodeChoice[] {
  return nodes.filter((n) => n.name !== node);
}

/** The node a standby usually copies from / streams from: the other node seen as primary, else the first other one. */
function likelySource(nodes: readonly NodeChoice[], node: string): string {
  const others = otherNodes(nodes, node);
  return (others.find((n) => n.role === 'primary') ?? others[0])?.name ?? '';
}

/**
 * A fresh form for `type` on `node`. application_name starts as the node's own name (the usual
 * choice); the standbys start as every other node (a two-node lab needs no clicking) and the
 * source node as the other node seen as primary. Every choice is still shown before the plan.
 */
export function emptyForm(
  type: OperationType,
  node: string,
  nodes: readonly NodeChoice[] = [],
): OperationForm {
  const source = likelySource(nodes, node);
  return {
    type,
    node,
    mode: 'fast',
    slotName: '',
    path: '',
    settings: [{ name: firstSetting, value: '' }],
    host: '',
    port: '5432',
    user: '',
    applicationName: node,
    standbys: otherNodes(nodes, node).map((n) => n.name),
    from: source,
    primary: source,
    backupMethod: 'pg_basebackup',
    promoteMethod: 'auto',
    fence: 'none',
    confirmDown: '',
    slots: false,
    overwriteInUse: false,
    replicationUser: DEFAULT_REPLICATION_USER,
    slot: '',
  };
}

/** Operation types whose form has fields to fill in (the others go straight to the plan). */
export function hasFields(type: OperationType): boolean {
  return type !== 'start' && type !== 'reload' && type !== 'clean-archive' && type !== 'switchover';
}

/** The field rule to explain a schema error on `field` (`code` is the zod issue's). */
function ruleOf(field: string, code: string): FieldRule | null {
  if (field === 'slotName' || field === 'slot') return 'slotName';
  // Only "none picked" has a rule of its own; a repeated or unknown node keeps the schema's words.
  if (field === 'standbys') return code === 'too_small' ? 'standbys' : null;
  if (field === 'from' || field === 'primary') return 'pickNode';
  if (field === 'replicationUser' || field === 'confirmDown') return 'name';
  if (field === 'host') return 'host';
  if (field === 'port') return 'port';
  if (field === 'path') return 'path';
  if (field === 'user' || field === 'applicationName' || field === 'node') return 'name';
  if (field === 'settings') return 'settingsEmpty';
  if (/^settings\.\d+\.name$/.test(field)) return 'settingName';
  if (/^settings\.\d+\.value$/.test(field)) return 'settingValue';
  return null;
}

/** Whole decimal port text → number; anything else stays text so the schema reports it. */
function portValue(text: string): number | string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return /^\d{1,5}$/.test(t) ? Number(t) : t;
}

/** The params object `type` takes, from the form; empty optional fields are left out. */
function paramsOf(form: OperationForm): unknown {
  const optional = (text: string) => (text === '' ? undefined : text);
  const replicationUser = optional(form.replicationUser.trim());
  switch (form.type) {
    case 'start':
    case 'reload':
    case 'clean-archive':
    case 'switchover':
      return {};
    case 'stop':
    case 'restart':
      return { mode: form.mode };
    case 'create-slot':
    case 'drop-slot':
      return { slotName: form.slotName.trim() };
    case 'prepare-archive-dir':
      return { path: optional(form.path.trim()) };
    case 'set-settings':
      // Values are sent exactly as typed: spaces can matter (synchronous_standby_names).
      return { settings: Object.fromEntries(form.settings.map((s) => [s.name, s.value])) };
    case 'set-standby-source':
      return {
        host: form.host.trim(),
        port: portValue(form.port),
        user: form.user.trim(),
        applicationName: form.applicationName.trim(),
        slotName: optional(form.slotName.trim()),
      };
    case 'preflight':
    case 'link-nodes':
      return { standbys: form.standbys };
    case 'configure-primary':
      return { standbys: form.standbys, slots: form.slots, replicationUser };
    case 'setup-replication':
      return { standbys: form.standbys, method: form.backupMethod, slots: form.slots, replicationUser };
    case 'base-backup':
      return {
        from: form.from,
        method: form.backupMethod,
        replicationUser,
        overwriteInUse: form.overwriteInUse,
      };
    case 'configure-standby':
      return { primary: form.primary, slot: optional(form.slot.trim()), replicationUser };
    case 'promote':
      // The typed name is sent only with the fence it belongs to: a leftover must not count as a confirmation.
      return {
        method: form.promoteMethod,
        fence: form.fence === 'none' ? undefined : form.fence,
        confirmDown: form.fence === 'confirmed-down' ? optional(form.confirmDown.trim()) : undefined,
      };
  }
}

/**
 * What the schema cannot say about this form: fields that must name another node of the
 * cluster, and a confirmed-down fence without the name typed (optional in the schema, required
 * by the server at plan time).
 */
function formChecks(form: OperationForm): FieldError[] {
  const errors: FieldError[] = [];
  const notThisNode = (field: 'from' | 'primary', value: string) => {
    if (value !== '' && value === form.node)
      errors.push({ field, rule: 'otherNode', message: `must be another node than ${form.node}` });
  };
  switch (form.type) {
    case 'preflight':
    case 'link-nodes':
    case 'configure-primary':
    case 'setup-replication':
      if (form.standbys.includes(form.node))
        errors.push({
          field: 'standbys',
          rule: 'otherNode',
          message: `${form.node} cannot be its own standby`,
        });
      break;
    case 'base-backup':
      notThisNode('from', form.from);
      break;
    case 'configure-standby':
      notThisNode('primary', form.primary);
      break;
    case 'promote':
      if (form.fence === 'confirmed-down' && form.confirmDown.trim() === '')
        errors.push({
          field: 'confirmDown',
          rule: 'confirmDown',
          message: "type the old primary's name to confirm it is down",
        });
      break;
    default:
      break;
  }
  return errors;
}

/** Maps a schema issue path back to the form field the user typed it in. */
function fieldOf(path: readonly PropertyKey[], form: OperationForm): string {
  const [top, key, sub] = path;
  if (top === 'node') return 'node';
  if (top !== 'params' || typeof key !== 'string') return 'form';
  // standbys.2 (a repeated or badly named node) is said on the whole list of checkboxes.
  if (key === 'settings') {
    if (typeof sub !== 'string') return 'settings';
    const row = form.settings.findIndex((s) => s.name === sub);
    return row >= 0 ? `settings.${row}.value` : 'settings';
  }
  return key;
}

/**
 * The request the form describes, checked by the same schema the server uses, or the errors per
 * field. `intent` is how it is sent: a dry run first, then the confirmed run.
 */
export function buildRequest(
  form: OperationForm,
  intent: { dryRun: boolean; confirm: boolean },
): BuildResult {
  const errors: FieldError[] = formChecks(form);
  if (form.type === 'set-settings') {
    const seen = new Set<string>();
    form.settings.forEach((s, i) => {
      if (!(SETTING_NAMES as readonly string[]).includes(s.name)) {
        errors.push({
          field: `settings.${i}.name`,
          rule: 'settingName',
          message: `unknown setting ${s.name}`,
          setting: s.name,
        });
      } else if (seen.has(s.name)) {
        errors.push({
          field: `settings.${i}.name`,
          rule: 'settingDuplicate',
          message: `${s.name} is given twice`,
          setting: s.name,
        });
      }
      seen.add(s.name);
    });
  }
  const parsed = operationRequestSchema.safeParse({
    type: form.type,
    node: form.node,
    dryRun: intent.dryRun,
    confirm: intent.confirm,
    params: paramsOf(form),
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldOf(issue.path, form);
      // One message per field is enough to act on.
      if (!errors.some((e) => e.field === field)) {
        const row = /^settings\.(\d+)\./.exec(field);
        const setting = row ? form.settings[Number(row[1])]?.name : undefined;
        // The schema says "name: rule"; the page names the setting itself, in the user's language.
        const message =
          setting && issue.message.startsWith(`${setting}: `)
            ? issue.message.slice(setting.length + 2)
            : issue.message;
        errors.push({ field, rule: ruleOf(field, issue.code), message, ...(setting ? { setting } : {}) });
      }
    }
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, request: parsed.data };
}

/** The confirmed run of a request whose dry run the user has read: same fields, nothing re-typed. */
export function confirmedRun(planned: OperationRequest): OperationRequest {
  return { ...planned, dryRun: false, confirm: true };
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const oneOf = <T extends string>(values: readonly T[], v: unknown): v is T =>
  isString(v) && (values as readonly string[]).includes(v);

/**
 * The form of an operation that already ran (its type, node and params as the server stored
 * them), so "Plan again" starts from what was asked, not from an empty form. null for a type
 * this page does not know. Values of the wrong shape are left at their defaults.
 */
export function formFromOperation(
  op: { type: string; node: string; params: Readonly<Record<string, unknown>> },
  nodes: readonly NodeChoice[] = [],
): OperationForm | null {
  if (!oneOf(OPERATION_TYPES, op.type)) return null;
  const form = emptyForm(op.type, op.node, nodes);
  const p = op.params;
  const text = (key: string): string | undefined => (isString(p[key]) ? p[key] : undefined);
  const flag = (key: string): boolean | undefined => (typeof p[key] === 'boolean' ? p[key] : undefined);
  if (oneOf(stopModeSchema.options, p.mode)) form.mode = p.mode;
  form.slotName = text('slotName') ?? form.slotName;
  form.path = text('path') ?? form.path;
  if (p.settings !== null && typeof p.settings === 'object') {
    const rows = Object.entries(p.settings).flatMap(([name, value]) =>
      oneOf(SETTING_NAMES, name) && isString(value) ? [{ name, value }] : [],
    );
    if (rows.length > 0) form.settings = rows;
  }
  form.host = text('host') ?? form.host;
  if (typeof p.port === 'number') form.port = String(p.port);
  form.user = text('user') ?? form.user;
  form.applicationName = text('applicationName') ?? form.applicationName;
  if (isStringList(p.standbys)) form.standbys = [...p.standbys];
  form.from = text('from') ?? form.from;
  form.primary = text('primary') ?? form.primary;
  // "method" means a copy method or a promote method depending on the type.
  if (op.type === 'promote') {
    if (oneOf(PROMOTE_METHODS, p.method)) form.promoteMethod = p.method;
  } else if (oneOf(BACKUP_METHODS, p.method)) form.backupMethod = p.method;
  if (oneOf(FENCE_CHOICES, p.fence)) form.fence = p.fence;
  form.confirmDown = text('confirmDown') ?? form.confirmDown;
  form.slots = flag('slots') ?? form.slots;
  form.overwriteInUse = flag('overwriteInUse') ?? form.overwriteInUse;
  form.replicationUser = text('replicationUser') ?? form.replicationUser;
  form.slot = text('slot') ?? form.slot;
  return form;
}

/** The first error on `field`, for the input that shows it. */
export function errorFor(errors: readonly FieldError[], field: string): FieldError | undefined {
  return errors.find((e) => e.field === field);
}
