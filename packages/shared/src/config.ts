// Before any schema below is built: zod probes `new Function` when a schema is made (CSP).
import './zod-jitless.ts';
import { z } from 'zod';

/** Names that end up in file paths, log lines and remote commands: a strict allowlist. */
export const nameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/,
    'must be 1–63 letters, digits, "_", "." or "-", not starting with "-" or "."',
  );

/** An absolute path with no "..", NUL or newline: safe to hand to a remote command as one argument. */
export const absolutePathSchema = z
  .string()
  .max(1024)
  .refine((p) => p.startsWith('/'), 'must be an absolute path (starting with "/")')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."')
  .refine((p) => !/[\0\n\r]/.test(p), 'must not contain NUL or newline characters')
  // Quoting would make any byte safe, but a path full of shell syntax is an attack, not a path.
  .refine(
    (p) => /^[A-Za-z0-9_.,+@%=:/-]*$/.test(p),
    'may only contain letters, digits and _ . , + @ % = : / - (no spaces or shell characters such as ; $ ` \' " \\)',
  );

/** Absolute, or starting with "~/" (expanded against the controller user's home). */
export const localKeyPathSchema = z
  .string()
  .refine((p) => p.startsWith('/') || p.startsWith('~/'), 'must be an absolute path or start with "~/"')
  .refine((p) => !/[\0\n\r]/.test(p), 'must not contain NUL or newline characters');

export const portSchema = z
  .number()
  .int()
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

export const hostKeyFingerprintSchema = z
  .string()
  .regex(
    /^SHA256:[A-Za-z0-9+/]{43}=?$/,
    'must be an OpenSSH fingerprint like "SHA256:abc…" (43 base64 characters)',
  );

export const envVarNameSchema = z
  .string()
  .regex(
    /^[A-Z_][A-Z0-9_]*$/,
    'must be the NAME of an environment variable (A–Z, 0–9, "_"), not the secret itself',
  );

/** Rejects a secret written into the file, pointing at the env-variable way instead. */
const noInlineSecret = (field: string) =>
  z
    .unknown()
    .refine((v) => v === undefined, {
      message: `secrets are never written in walboard.yaml: put it in an environment variable and give that variable's name in ${field}`,
    })
    .optional();

export const sshSchema = z.strictObject({
  user: nameSchema,
  port: portSchema.default(22),
  privateKeyPath: localKeyPathSchema,
  /**
   * The server's host key fingerprint (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`). Left
   * out, the node is not connected: the page shows the key the server offers and an admin pins it.
   */
  hostKey: hostKeyFingerprintSchema.optional(),
  keepaliveIntervalMs: z.number().int().min(200).max(60_000).default(1000),
  keepaliveCountMax: z.number().int().min(1).max(30).default(2),
  maxSessions: z.number().int().min(1).max(64).default(8),
  password: noInlineSecret('a key file (privateKeyPath); passwords are not supported for ssh'),
  passphrase: noInlineSecret('an unencrypted deploy key (privateKeyPath)'),
});
export type SshConfig = z.infer<typeof sshSchema>;

export const postgresSchema = z.strictObject({
  port: portSchema.default(5432),
  /** Where the controller connects to: defaults to 127.0.0.1 at the far end of the ssh tunnel. */
  host: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[A-Za-z0-9_.:][A-Za-z0-9_.:-]*$/, 'must be a host name or IP address (not starting with "-")')
    .optional(),
  user: nameSchema.default('postgres'),
  database: nameSchema.default('postgres'),
  passwordEnv: envVarNameSchema.optional(),
  password: noInlineSecret('passwordEnv'),
  /** ssh nodes: `tunnel` (through the node's ssh connection, the default) or `direct` TCP. */
  connect: z.enum(['tunnel', 'direct']).default('tunnel'),
  binDir: absolutePathSchema,
  dataDir: absolutePathSchema,
  configFile: absolutePathSchema.optional(),
  hbaFile: absolutePathSchema.optional(),
  logFile: absolutePathSchema.optional(),
  /**
   * The password file this node's user reads as a PostgreSQL client (streaming from a primary,
   * pg_basebackup). Left out: ~/.pgpass, found by libpq itself. Set: named in primary_conninfo.
   */
  passfile: absolutePathSchema.optional(),
  service: z.enum(['pg_ctl']).default('pg_ctl'),
});
export type PostgresConfig = z.infer<typeof postgresSchema>;

/** A host name or IP address (never starting with "-"). */
const hostSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_.:][A-Za-z0-9_.:-]*$/, 'must be a host name or IP address (not starting with "-")');

const nodeCommon = {
  name: nameSchema,
  postgres: postgresSchema,
  archiveDir: absolutePathSchema.optional(),
  /**
   * The address the other nodes use to reach this one (streaming, archive shipping, ssh between
   * nodes) when it differs from `host` (a private network). Local nodes default to 127.0.0.1.
   */
  peerHost: hostSchema.optional(),
};

export const sshNodeSchema = z.strictObject({
  ...nodeCommon,
  transport: z.literal('ssh'),
  host: hostSchema,
  ssh: sshSchema,
});

export const localNodeSchema = z.strictObject({
  ...nodeCommon,
  transport: z.literal('local'),
  /** When the controller runs as root, local commands run as this (unprivileged) user. */
  runAs: nameSchema.optional(),
});

/** `transport` may be left out: a node is reached over ssh unless it says `local`. */
export const nodeSchema = z.preprocess(
  (v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !('transport' in v)
      ? { ...v, transport: 'ssh' }
      : v,
  z.discriminatedUnion('transport', [localNodeSchema, sshNodeSchema], {
    error: 'transport must be "ssh" (the default) or "local"',
  }),
);
export type NodeConfig = z.infer<typeof nodeSchema>;
export type SshNodeConfig = z.infer<typeof sshNodeSchema>;
export type LocalNodeConfig = z.infer<typeof localNodeSchema>;

export const clusterSchema = z
  .strictObject({
    name: nameSchema,
    nodes: z.array(nodeSchema).min(1, 'a cluster needs at least one node'),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.nodes.forEach((n, i) => {
      const first = seen.get(n.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', i, 'name'],
          message: `duplicate node name "${n.name}" (already used by node #${first + 1})`,
        });
      } else seen.set(n.name, i);
    });
  });
export type ClusterConfig = z.infer<typeof clusterSchema>;

export const listenSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:8080')
  .refine((s) => {
    const port = Number(s.slice(s.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65535;
  }, 'port must be between 1 and 65535');

/** HTTPS: both files PEM, read at start. The session cookie is then marked Secure. */
export const tlsSchema = z.strictObject({
  certFile: absolutePathSchema,
  keyFile: absolutePathSchema,
});

export const authSchema = z.strictObject({
  /**
   * The embedded lab only: walboard prints a one-time sign-in link at start; the browser that opens
   * it is signed in as the lab's admin, once. Refused unless `listen` is a loopback address.
   */
  labAutoLogin: z.boolean().default(false),
  /** Idle sessions end after this many minutes. */
  sessionIdleMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .default(12 * 60),
  /**
   * Prometheus: the NAME of an environment variable holding a token that GET /api/metrics accepts
   * as `Authorization: Bearer <token>` (a scraper has no browser session). Unset: sessions only.
   */
  metricsTokenEnv: envVarNameSchema.optional(),
});

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$/;

/**
 * One trusted reverse proxy: an IP address, or a CIDR range ("10.0.0.0/8", "fd00::/8"). Only a
 * request whose TCP peer is one of these has its X-Forwarded-For read.
 */
export const trustedProxySchema = z.string().refine((s) => {
  const [addr = '', bits, extra] = s.split('/');
  if (extra !== undefined) return false;
  const v4 = IPV4.test(addr);
  if (!v4 && !(IPV6.test(addr) && addr.length <= 45)) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (v4 ? 32 : 128);
}, 'must be an IP address or a CIDR range such as 10.0.0.0/8 or fd00::/8 (no host names)');

/** How long the audit log is kept: older rows are deleted by an hourly job. */
export const auditConfigSchema = z.strictObject({
  retentionDays: z.number().int().min(1).max(36_500).default(90),
  /** Optional cap on the number of rows: the oldest beyond it are deleted too. */
  maxRows: z.number().int().min(1000).optional(),
});
export type AuditConfig = z.infer<typeof auditConfigSchema>;

/** pino's levels, most to least severe; `silent` logs nothing. */
export const serverLogLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  error: 'must be one of fatal, error, warn, info, debug, trace, silent',
});
export type ServerLogLevel = z.infer<typeof serverLogLevelSchema>;

/** `human`: one short line per event (a terminal); `json`: JSON lines (journald, Loki). */
export const serverLogFormatSchema = z.enum(['human', 'json'], { error: 'must be "human" or "json"' });
export type ServerLogFormat = z.infer<typeof serverLogFormatSchema>;

/**
 * The server log. Left out: `info`, and human lines on a terminal, JSON lines otherwise.
 * `--log-level` / `--log-format` on the command line win over these.
 */
export const serverLogConfigSchema = z.strictObject({
  level: serverLogLevelSchema.optional(),
  format: z.enum(['auto', 'human', 'json'], { error: 'must be "auto", "human" or "json"' }).optional(),
});
export type ServerLogConfig = z.infer<typeof serverLogConfigSchema>;
/** What an alert rule watches. Lag kinds need a `threshold` (bytes or seconds). */
export const alertKindSchema = z.enum([
  'lag-bytes',
  'lag-seconds',
  'archiver-failing',
  'node-unreachable',
  'host-key-changed',
  'operation-failed',
]);
export type AlertKind = z.infer<typeof alertKindSchema>;

/** Header names a webhook may carry inline; credentials go through `tokenEnv` instead. */
const webhookHeaderNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name (letters, digits, "-")');
const CREDENTIAL_HEADER = /^(authorization|cookie|proxy-authorization)$/i;

const webhookUrlSchema = z
  .string()
  .max(2048)
  // No URL class here (the shared package has no DOM or Node types): a strict pattern instead.
  .regex(
    /^https?:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\/[^\s]*)?$/,
    'must be an http:// or https:// URL without user:password@ (e.g. https://hooks.example.com/walboard)',
  );

/**
 * One place alerts are POSTed to. A URL that is itself a secret (Slack's) goes in `urlEnv`; a
 * bearer token in `tokenEnv`. Neither the URL nor the token is ever logged or audited.
 */
export const alertWebhookSchema = z
  .strictObject({
    name: nameSchema,
    url: webhookUrlSchema.optional(),
    urlEnv: envVarNameSchema.optional(),
    tokenEnv: envVarNameSchema.optional(),
    headers: z.record(webhookHeaderNameSchema, z.string().max(1024)).optional(),
  })
  .superRefine((w, ctx) => {
    // Checked here, not on the record's key: zod reports a refused key only as "Invalid key".
    for (const h of Object.keys(w.headers ?? {})) {
      if (CREDENTIAL_HEADER.test(h))
        ctx.addIssue({
          code: 'custom',
          path: ['headers', h],
          message: `credentials are never written in walboard.yaml: give the NAME of an environment variable holding the token in tokenEnv (sent as "Authorization: Bearer <token>")`,
        });
    }
    if ((w.url === undefined) === (w.urlEnv === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `webhook "${w.name}" needs exactly one of url (written here) or urlEnv (the name of an environment variable holding the URL)`,
      });
    }
  });
export type AlertWebhookConfig = z.infer<typeof alertWebhookSchema>;

const ALERT_THRESHOLD_KINDS: readonly AlertKind[] = ['lag-bytes', 'lag-seconds'];

/**
 * One alert rule: fires once the condition has held `forSeconds`, sends "resolved" once it ends.
 * `cluster` / `nodes` narrow it (default: every node of every cluster); `webhooks` names where it
 * goes (default: every webhook).
 */
export const alertRuleSchema = z
  .strictObject({
    name: nameSchema,
    kind: alertKindSchema,
    /** lag-bytes: bytes of WAL not replayed; lag-seconds: seconds. Required for those two only. */
    threshold: z.number().positive('must be greater than 0').optional(),
    /** How long the condition must hold before the alert fires (0: at once). */
    forSeconds: z.number().min(0).max(86_400).optional(),
    cluster: nameSchema.optional(),
    nodes: z.array(nameSchema).min(1).max(256).optional(),
    webhooks: z.array(nameSchema).max(32).optional(),
  })
  .superRefine((r, ctx) => {
    const needs = ALERT_THRESHOLD_KINDS.includes(r.kind);
    if (needs && r.threshold === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['threshold'],
        message: `rule "${r.name}" (${r.kind}) needs a threshold: ${r.kind === 'lag-bytes' ? 'bytes of WAL, e.g. 16777216 for 16 MiB' : 'seconds, e.g. 30'}`,
      });
    }
    if (!needs && r.threshold !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['threshold'],
        message: `rule "${r.name}" (${r.kind}) takes no threshold: only lag-bytes and lag-seconds do`,
      });
    }
    if (r.kind === 'operation-failed' && r.forSeconds !== undefined && r.forSeconds !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['forSeconds'],
        message: `rule "${r.name}" (operation-failed) fires when an operation fails: forSeconds does not apply`,
      });
    }
  });
export type AlertRuleConfig = z.infer<typeof alertRuleSchema>;

/** Bounded retries: a webhook that does not answer never holds up monitoring or other webhooks. */
export const alertDeliverySchema = z.strictObject({
  /** Tries per message, the first included. */
  attempts: z.number().int().min(1).max(10).default(5),
  /** Wait before the 2nd try; doubled each time, up to maxBackoffMs. */
  backoffMs: z.number().int().min(10).max(60_000).default(1000),
  maxBackoffMs: z.number().int().min(10).max(600_000).default(30_000),
  /** One request's limit. */
  timeoutMs: z.number().int().min(100).max(60_000).default(5000),
});
export type AlertDeliveryConfig = z.infer<typeof alertDeliverySchema>;

export const alertsConfigSchema = z.strictObject({
  webhooks: z.array(alertWebhookSchema).max(32).default([]),
  rules: z.array(alertRuleSchema).max(256).default([]),
  delivery: alertDeliverySchema.default({
    attempts: 5,
    backoffMs: 1000,
    maxBackoffMs: 30_000,
    timeoutMs: 5000,
  }),
});
export type AlertsConfig = z.infer<typeof alertsConfigSchema>;

/** Names must be unique and every name a rule gives (webhook, cluster, node) must exist. */
function checkAlertReferences(
  alerts: AlertsConfig,
  clusters: readonly { name: string; nodes: readonly { name: string }[] }[],
  ctx: z.RefinementCtx,
): void {
  const hooks = new Set<string>();
  alerts.webhooks.forEach((w, i) => {
    if (hooks.has(w.name))
      ctx.addIssue({
        code: 'custom',
        path: ['alerts', 'webhooks', i, 'name'],
        message: `duplicate webhook name "${w.name}"`,
      });
    hooks.add(w.name);
  });
  const rules = new Set<string>();
  alerts.rules.forEach((r, i) => {
    const at = (...p: (string | number)[]) => ['alerts', 'rules', i, ...p];
    if (rules.has(r.name))
      ctx.addIssue({ code: 'custom', path: at('name'), message: `duplicate rule name "${r.name}"` });
    rules.add(r.name);
    for (const w of r.webhooks ?? []) {
      if (!hooks.has(w))
        ctx.addIssue({
          code: 'custom',
          path: at('webhooks'),
          message: `rule "${r.name}" sends to webhook "${w}", which alerts.webhooks does not define (defined: ${[...hooks].join(', ') || 'none'})`,
        });
    }
    if (r.webhooks === undefined && hooks.size === 0)
      ctx.addIssue({
        code: 'custom',
        path: at('webhooks'),
        message: `rule "${r.name}" has nowhere to send to: add a webhook under alerts.webhooks`,
      });
    const scope = r.cluster === undefined ? clusters : clusters.filter((c) => c.name === r.cluster);
    if (r.cluster !== undefined && scope.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: at('cluster'),
        message: `rule "${r.name}" names cluster "${r.cluster}", which is not in clusters (${clusters.map((c) => c.name).join(', ')})`,
      });
    else
      for (const n of r.nodes ?? []) {
        if (!scope.some((c) => c.nodes.some((cn) => cn.name === n)))
          ctx.addIssue({
            code: 'custom',
            path: at('nodes'),
            message: `rule "${r.name}" names node "${n}", which no ${r.cluster ? `node of cluster "${r.cluster}"` : 'cluster'} has`,
          });
      }
  });
}

export const walboardConfigSchema = z
  .strictObject({
    listen: listenSchema.default('127.0.0.1:8080'),
    tls: tlsSchema.optional(),
    auth: authSchema.default({ labAutoLogin: false, sessionIdleMinutes: 720 }),
    /**
     * Reverse proxies in front of walboard. Left empty, X-Forwarded-For is ignored and the TCP
     * peer is the client (a forged header must not dodge the sign-in limits).
     */
    trustProxy: z.array(trustedProxySchema).max(64).default([]),
    audit: auditConfigSchema.default({ retentionDays: 90 }),
    log: serverLogConfigSchema.optional(),
    dataDir: z.string().min(1).default('./.walboard'),
    clusters: z.array(clusterSchema).min(1, 'at least one cluster is needed'),
    /** Alert rules and the webhooks they go to (see README, "Alerts"). */
    alerts: alertsConfigSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.auth.labAutoLogin && !isLoopbackListen(c.listen)) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'labAutoLogin'],
        message: `is only allowed when listen is a loopback address (127.0.0.1 or [::1]), not ${c.listen}`,
      });
    }
    const seen = new Set<string>();
    c.clusters.forEach((cl, i) => {
      if (seen.has(cl.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', i, 'name'],
          message: `duplicate cluster name "${cl.name}"`,
        });
      }
      seen.add(cl.name);
    });
    if (c.alerts) checkAlertReferences(c.alerts, c.clusters, ctx);
  });
export type WalboardConfig = z.infer<typeof walboardConfigSchema>;

/** 127.0.0.0/8, [::1] or localhost: nothing off this machine can connect. */
export function isLoopbackListen(listen: string): boolean {
  const host = listen.slice(0, listen.lastIndexOf(':'));
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '[::1]' || host === 'localhost';
}
