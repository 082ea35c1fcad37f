import {
  type OperationRequest,
  type OperationType,
  operationRequestSchema,
  SETTING_NAMES,
  type SettingName,
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
}

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
  | 'settingsEmpty';

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

/** A fresh form for `type` on `node`; application_name starts as the node's own name (the usual choice). */
export function emptyForm(type: OperationType, node: string): OperationForm {
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
  };
}

/** Operation types whose form has fields to fill in (the others go straight to the plan). */
export function hasFields(type: OperationType): boolean {
  return type !== 'start' && type !== 'reload';
}

/** The field rule to explain a schema error on `field`. */
function ruleOf(field: string): FieldRule | null {
  if (field === 'slotName') return 'slotName';
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
  switch (form.type) {
    case 'start':
    case 'reload':
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
  }
}

/** Maps a schema issue path back to the form field the user typed it in. */
function fieldOf(path: readonly PropertyKey[], form: OperationForm): string {
  const [top, key, sub] = path;
  if (top === 'node') return 'node';
  if (top !== 'params' || typeof key !== 'string') return 'form';
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
  const errors: FieldError[] = [];
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
        errors.push({ field, rule: ruleOf(field), message, ...(setting ? { setting } : {}) });
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

/** The first error on `field`, for the input that shows it. */
export function errorFor(errors: readonly FieldError[], field: string): FieldError | undefined {
  return errors.find((e) => e.field === field);
}
